"""A release's architectures and their tiers through the API (/api/v1/release-architectures/):
staff add one for one release, mark it primary or secondary, name the master a secondary one
lives on; the tier decides which architectures hold the go. Others are refused (401, 403),
bad input is a 400 naming each reason, and the list asks a fixed number of queries."""

import pytest

from apps.releases.models import Architecture, Release, ReleaseArchitecture, ReleaseCandidate

from .factories import ArchitectureFactory, ReleaseFactory
from .test_go_rule import BLOCKING, go, passes, rc  # noqa: F401  (rc is a fixture)

PATH = "/api/v1/release-architectures/"


def rows(api, query="?release=5.1"):
    status, body = api.get(PATH.removeprefix("/api/v1/") + query)
    assert status == 200, body
    return {r["architecture"]: (r["tier"], r["master_url"]) for r in body["results"]}


def test_staff_add_a_secondary_architecture_on_its_own_master(api, planned):
    ArchitectureFactory(name="sparc")
    status, body = api.post(PATH.removeprefix("/api/v1/"), "staff", {
        "release": "5.1", "architecture": "sparc", "tier": "secondary",
        "master_url": "http://altarch.example.org/centos/",
    })  # fmt: skip
    assert status == 201, body
    assert rows(api) == {
        "i386": ("primary", ""), "x86_64": ("primary", ""), "ppc": ("secondary", ""),
        "sparc": ("secondary", "http://altarch.example.org/centos/"),
    }  # fmt: skip
    assert rows(api, "?release=5.0") == {"i386": ("primary", ""), "x86_64": ("primary", "")}
    assert set(Release.objects.get(version="5.1").architectures.values_list("name", flat=True)) \
        == {"i386", "x86_64", "ppc", "sparc"}  # fmt: skip
    ReleaseCandidate.objects.create(release=Release.objects.get(version="5.1"), number=1)
    page = api.client.get("/releases/5.1/").content.decode()
    assert "sparc <small>(secondary, on altarch.example.org)</small>" in page
    assert "ppc <small>(secondary)</small>" in page


def test_a_primary_made_secondary_no_longer_holds_the_go(api, rc):  # noqa: F811
    passes(api, rc, archs=["x86_64"])
    api.post(f"candidates/{rc}/signoff/", "qa", {"team": "qa"})
    assert go(api, rc)[1]["missing"][0].endswith("on i386.")
    i386 = ReleaseArchitecture.objects.get(release__version="5.1", architecture__name="i386")
    status, body = api.call("patch", f"release-architectures/{i386.pk}/", "staff",
                            {"tier": "secondary"})  # fmt: skip
    assert status == 200 and body["tier"] == "secondary"
    assert go(api, rc) == (200, {"detail": "5.1 is go with RC1.", "missing": []})


@pytest.mark.parametrize("who", ["qa", "dev", "releng", "anyone", None])
def test_only_staff_change_tiers(api, planned, who):
    i386 = ReleaseArchitecture.objects.get(release=planned, architecture__name="i386")
    attempts = [
        ("post", "release-architectures/", {"release": "5.1", "architecture": "i386"}),
        ("patch", f"release-architectures/{i386.pk}/", {"tier": "secondary"}),
        ("delete", f"release-architectures/{i386.pk}/", None),
    ]
    for method, path, data in attempts:
        status, _body = api.call(method, path, who, data)
        assert status == (401 if who is None else 403), (method, who)
    assert ReleaseArchitecture.objects.get(pk=i386.pk).tier == "primary"
    assert ReleaseArchitecture.objects.filter(release=planned).count() == 3


def test_bad_input_is_a_400_with_each_reason(api, planned):
    x86 = ReleaseArchitecture.objects.get(release=planned, architecture__name="x86_64")
    cases = [
        ({"release": "5.1", "architecture": "sparc9"}, "architecture", "does not exist"),
        ({"release": "9.9", "architecture": "x86_64"}, "release", "does not exist"),
        ({"release": "5.1", "architecture": "x86_64", "tier": "tertiary"}, "tier",
         "not a valid choice"),
        ({"release": "5.1", "architecture": "x86_64"}, "__all__",
         "already one of the release's: change its tier instead."),
        ({"release": "5.0", "architecture": "ppc", "master_url": "http://alt.example.org/"},
         "master_url", "only a secondary one names another"),
        ({"release": "5.0", "architecture": "ppc", "tier": "secondary",
          "master_url": "ftp://alt.example.org/"}, "master_url", "http or https"),
        ({"release": "5.0", "architecture": "ppc", "tier": "secondary",
          "master_url": "not a url"}, "master_url", "valid URL"),
    ]  # fmt: skip
    for data, field, words in cases:
        status, body = api.post("release-architectures/", "staff", data)
        assert status == 400, (data, body)
        assert words in " ".join(body.get(field, [])), (field, body)
    status, body = api.call("patch", f"release-architectures/{x86.pk}/", "staff",
                            {"master_url": "http://alt.example.org/"})  # fmt: skip
    assert status == 400 and "only a secondary one" in body["master_url"][0]
    assert ReleaseArchitecture.objects.count() == 5  # 5.0: 2, 5.1: 3, nothing added


def test_the_list_asks_a_fixed_number_of_queries(api, planned, django_assert_num_queries):
    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            status, body = api.get("release-architectures/")
        assert status == 200
        return len(queries), body["count"]

    small = count()
    for n in range(6):
        release = ReleaseFactory(version=f"6.{n}", major=6, minor=n)
        for name in ("x86_64", "i386", f"arch{n}"):
            release.architectures.add(ArchitectureFactory(name=name))
    big = count()
    assert (small[1], big[1]) == (5, 23)
    assert big[0] == small[0] <= 2, (small, big)  # the page's count and its rows
    assert Architecture.objects.count() == 9
