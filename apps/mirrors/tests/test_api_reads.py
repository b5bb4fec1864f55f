"""Reading the mirrors API as each kind of caller: the public sees what the public pages
show, a mirror's people also see their own mirrors and their private fields, staff see
everything; the filters, the ordering, and a bounded number of queries per list."""

import datetime as dt

import pytest
from django.utils import timezone

from apps.mirrors.choices import Approval, CheckKind
from apps.mirrors.models import (
    Check,
    MaintenanceWindow,
    MirrorRepositoryState,
    Push,
    PushArrival,
    Sweep,
)
from apps.releases.tests.factories import (
    ArchitectureFactory,
    ReleaseFactory,
    RepositoryFactory,
)
from apps.sponsors.tests.factories import SponsorFactory

from .factories import MirrorFactory, MirrorURLFactory, NetblockFactory

OWNER_ONLY = {"private", "contact_email", "notify_events", "notify_addresses", "netblocks",
              "asn", "approval_reason", "notes"}  # fmt: skip


@pytest.fixture
def people(django_user_model):
    """No passwords (hashing one takes a second): the tests log in with force_login."""
    make = django_user_model.objects.create_user
    return {
        "owner": make("owner", "owner@example.org"),
        "other": make("other", "other@example.org"),
        "staff": django_user_model.objects.create_superuser("ops", "ops@example.org"),
    }


@pytest.fixture
def world(db, people):
    """Two public mirrors (one the owner's), the owner's private and pending mirrors, and
    someone else's pending one."""
    owner = people["owner"]
    mirrors = {
        "public": MirrorFactory(name="public.example.org"),
        "mine": MirrorFactory(name="mine.example.org", owner=owner, notes="rack 4"),
        "private": MirrorFactory(name="private.example.org", owner=owner, private=True),
        "pending": MirrorFactory(name="pending.example.org", owner=owner,
                                 approval=Approval.PENDING),
        "theirs": MirrorFactory(name="theirs.example.org", owner=people["other"],
                                approval=Approval.PENDING),
    }  # fmt: skip
    for mirror in mirrors.values():
        MirrorURLFactory(mirror=mirror)
    NetblockFactory(mirror=mirrors["private"], cidr="192.0.2.0/24")
    return mirrors


def login(client, people, who):
    if who != "anonymous":
        client.force_login(people[who])
    return client


def names(body) -> set[str]:
    return {row["name"] for row in body["results"]}


VISIBLE = {
    "anonymous": {"public", "mine"},
    "other": {"public", "mine", "theirs"},
    "owner": {"public", "mine", "private", "pending"},
    "staff": {"public", "mine", "private", "pending", "theirs"},
}


@pytest.mark.parametrize("who", list(VISIBLE))
def test_each_caller_sees_the_mirrors_it_may(client, people, world, who):
    body = login(client, people, who).get("/api/v1/mirrors/").json()
    assert names(body) == {f"{key}.example.org" for key in VISIBLE[who]}
    for row in body["results"]:
        key = row["name"].split(".")[0]
        managed = who == "staff" or (who == "owner" and key in {"mine", "private", "pending"})
        managed = managed or (who == "other" and key == "theirs")
        assert (set(row) >= OWNER_ONLY) is managed, (who, key)
        if not managed:
            assert not OWNER_ONLY & set(row)


def test_a_mirror_not_visible_is_404_and_owner_fields_show_to_its_people(client, people, world):
    private = world["private"]
    assert client.get(f"/api/v1/mirrors/{private.pk}/").status_code == 404
    login(client, people, "other")
    assert client.get(f"/api/v1/mirrors/{private.pk}/").status_code == 404
    row = client.get(f"/api/v1/mirrors/{world['mine'].pk}/").json()
    assert "contact_email" not in row and "notes" not in row
    login(client, people, "owner")
    row = client.get(f"/api/v1/mirrors/{private.pk}/").json()
    assert row["private"] is True and row["netblocks"] == ["192.0.2.0/24"]
    assert row["contact_email"] == "admin@private.example.org"
    assert row["protocols"] == ["http"] and row["upstream"] is None and row["sponsor"] is None


def test_filters_match_the_status_page(client, db):
    new = ReleaseFactory(version="5.0", major=5, minor=0)
    old = ReleaseFactory(version="4.4", major=4, minor=4)
    arm = ArchitectureFactory(name="aarch64")
    extras = RepositoryFactory(name="extras")
    sponsor = SponsorFactory(name="Uni")
    a = MirrorFactory(name="a.example.org", country="DE", sponsor=sponsor)
    a.releases.add(new)
    a.architectures.add(arm)
    a.repositories.add(extras)
    MirrorURLFactory(mirror=a, protocol="https", url="https://a.example.org/c/")
    MirrorURLFactory(mirror=a, protocol="https", url="https://a.example.org/d/")
    b = MirrorFactory(name="b.example.org", country="FR", status="down")
    b.releases.add(old)
    MirrorURLFactory(mirror=b, protocol="rsync", url="rsync://b.example.org/c/")

    def get(**query):
        response = client.get("/api/v1/mirrors/", query)
        assert response.status_code == 200, response.content
        return [row["name"] for row in response.json()["results"]]

    assert get(release="5") == get(release="5.0") == ["a.example.org"]
    assert get(release="4") == ["b.example.org"]
    assert get(arch="aarch64") == get(repository="extras") == ["a.example.org"]
    assert get(protocol="https") == ["a.example.org"]  # once, though it has two
    assert get(sponsor=sponsor.slug) == ["a.example.org"]
    assert get(status="down") == get(country="FR") == ["b.example.org"]
    assert get(ordering="-name") == ["b.example.org", "a.example.org"]
    later = (timezone.now() + dt.timedelta(minutes=1)).isoformat()
    assert get(updated_since=later) == []
    for bad in ({"release": "9"}, {"tier": "AAA"}, {"protocol": "gopher"},
                {"updated_since": "yesterday"}, {"ordering": "contact_email"}):  # fmt: skip
        assert client.get("/api/v1/mirrors/", bad).status_code == 400, bad


def test_urls_states_checks_follow_their_mirror(client, people, world, db):
    release = ReleaseFactory(version="5.0", major=5, minor=0)
    arch, repo = ArchitectureFactory(name="x86_64"), RepositoryFactory(name="os")
    now = timezone.now()
    for key in ("public", "private"):
        mirror = world[key]
        MirrorRepositoryState.objects.create(mirror=mirror, release=release, repository=repo,
                                             architecture=arch, state="current")  # fmt: skip
        for minutes in (30, 5):
            Check.objects.create(mirror=mirror, url=f"http://{mirror.name}/TIME",
                                 kind=CheckKind.TIMESTAMP, http_status=200,
                                 checked_at=now - dt.timedelta(minutes=minutes))  # fmt: skip
    public = world["public"].pk
    urls = client.get("/api/v1/mirror-urls/", {"protocol": "http"}).json()["results"]
    assert {row["mirror"] for row in urls} == {public, world["mine"].pk}
    assert client.get("/api/v1/mirror-urls/", {"protocol": "ftp"}).json()["count"] == 0
    states = client.get("/api/v1/repository-states/", {"release": "5", "arch": "x86_64"}).json()
    assert [(r["mirror"], r["state"], r["repository"]) for r in states["results"]] == [
        (public, "current", "os")
    ]
    checks = client.get("/api/v1/checks/").json()["results"]
    assert {row["mirror"] for row in checks} == {public}
    assert checks[0]["checked_at"] > checks[1]["checked_at"]  # newest first
    since = (now - dt.timedelta(minutes=10)).isoformat()
    assert client.get("/api/v1/checks/", {"since": since}).json()["count"] == 1
    both = client.get(f"/api/v1/mirrors/{public}/states/").json()
    assert [r["state"] for r in both["repositories"]] == ["current"] and both["images"] == []
    assert client.get(f"/api/v1/mirrors/{world['private'].pk}/states/").status_code == 404
    login(client, people, "owner")
    assert client.get("/api/v1/checks/", {"mirror": world["private"].pk}).json()["count"] == 2


def test_sweeps_and_pushes(client, world):
    now = timezone.now()
    Sweep.objects.create(started_at=now, lease_expires_at=now, state="finished")
    push = Push.objects.create(detected_at=now - dt.timedelta(hours=1), mirrors_expected=5)
    for key, delay in (("public", 60), ("mine", 600)):
        PushArrival.objects.create(
            push=push,
            mirror=world[key],
            delay_seconds=delay,
            seen_at=push.detected_at + dt.timedelta(seconds=delay),
        )
    assert client.get("/api/v1/sweeps/").json()["count"] == 1
    row = client.get("/api/v1/pushes/").json()["results"][0]
    assert (row["mirrors_expected"], row["arrived"]) == (5, 2)
    assert (row["first_arrival_seconds"], row["last_arrival_seconds"]) == (60, 600)


@pytest.mark.parametrize("path", ["/api/v1/netblocks/", "/api/v1/maintenance-windows/"])
def test_netblocks_and_windows_are_their_peoples_only(client, people, world, path):
    now = timezone.now()
    MaintenanceWindow.objects.create(mirror=world["private"], starts_at=now,
                                     ends_at=now + dt.timedelta(hours=2))  # fmt: skip
    assert client.get(path).status_code == 401
    assert login(client, people, "other").get(path).json()["count"] == 0
    assert login(client, people, "owner").get(path).json()["count"] == 1
    assert login(client, people, "staff").get(path).json()["count"] == 1


LISTS = ["/api/v1/mirrors/", "/api/v1/mirror-urls/", "/api/v1/repository-states/",
         "/api/v1/image-states/", "/api/v1/checks/", "/api/v1/sweeps/", "/api/v1/pushes/",
         "/api/v1/netblocks/", "/api/v1/maintenance-windows/"]  # fmt: skip


def _grow(count: int, owner) -> None:
    release = ReleaseFactory()
    arch, repo = ArchitectureFactory(), RepositoryFactory()
    now = timezone.now()
    push = Push.objects.create(detected_at=now, mirrors_expected=count)
    Sweep.objects.create(started_at=now, lease_expires_at=now, state="finished")
    for _ in range(count):
        mirror = MirrorFactory(owner=owner, sponsor=SponsorFactory())
        mirror.releases.add(release)
        mirror.architectures.add(arch)
        mirror.repositories.add(repo)
        MirrorURLFactory(mirror=mirror)
        NetblockFactory(mirror=mirror)
        MirrorRepositoryState.objects.create(mirror=mirror, release=release, repository=repo,
                                             architecture=arch)  # fmt: skip
        Check.objects.create(mirror=mirror, url="http://x/", kind="timestamp", checked_at=now)
        MaintenanceWindow.objects.create(mirror=mirror, starts_at=now,
                                         ends_at=now + dt.timedelta(hours=1))  # fmt: skip
        PushArrival.objects.create(push=push, mirror=mirror, seen_at=now, delay_seconds=1)


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("count", [3, 30])
def test_each_list_makes_a_bounded_number_of_queries(
    client, people, path, count, django_assert_max_num_queries
):
    _grow(count, people["owner"])
    client.force_login(people["owner"])
    # The session, the user, the mirrors they manage, the count and the page; a mirror's
    # URLs, releases, architectures, repositories and netblocks are one query each.
    # The mirrors' list: 2 more for their listing states (repository counts, open windows).
    with django_assert_max_num_queries(13 if path == "/api/v1/mirrors/" else 5):
        response = client.get(path)
    assert response.status_code == 200
    assert response.json()["count"] >= (0 if "image" in path else 1)


@pytest.mark.parametrize("value", ["-1.7976931348623157e+308", "1e30", "2.5", "0"])
def test_a_mirror_id_out_of_range_is_a_400_not_an_overflow(client, value):
    """Found by schemathesis: a huge number overflowed the database driver (a 500)."""
    response = client.get("/api/v1/repository-states/", {"mirror": value})
    assert response.status_code == 400
    assert list(response.json()) == ["mirror"]


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("5258-02-16T02:03:06.184629-20:24", 200),  # PostgreSQL refused the offset: a 500
        ("2026-01-01T00:00:00+14:00", 200),
        ("0001-01-01T00:00:00+01:00", 400),  # year 0 in UTC
        ("9999-12-31T23:00:00-02:00", 400),  # year 10000 in UTC
    ],
)
def test_updated_since_takes_any_offset_and_refuses_what_has_no_utc_time(client, db, value, status):
    """Found by schemathesis on PostgreSQL."""
    for path in ("/api/v1/pushes/", "/api/v1/mirrors/", "/api/v1/servers/", "/api/v1/sponsors/"):
        response = client.get(path, {"updated_since": value})
        assert response.status_code == status, path
        if status == 400:
            assert response.json() == {"updated_since": ["This date and time is out of range."]}
