"""The go rule, enforced by the server: each refusal names exactly what is missing (a 409
with `missing`), and each test here fails without the part of the rule it names. The
teams are the groups the data migration made; everyone calls with their API token."""

import pytest

from apps.releases.choices import Team
from apps.releases.models import Signoff, ValidationCase

BLOCKING = ["boot-bios", "install-dvd-default", "install-netinstall-http", "media-check",
            "upgrade-previous"]  # fmt: skip
NO_QA = "No sign-off by a QA member who is not in the developers' team."


def passes(api, rc, archs=("x86_64", "i386"), cases=BLOCKING, who="qa", outcome="pass"):
    for arch in archs:
        for case in cases:
            status, body = api.post("validation-results/", who, {
                "candidate": rc, "case": case, "architecture": arch, "outcome": outcome,
                "environment": "bios",
            })  # fmt: skip
            assert status == 201, body


@pytest.fixture
def rc(api, planned):
    status, body = api.post("candidates/", "releng", {"release": "5.1"})
    assert status == 201, body
    return body["id"]


def go(api, rc, who="releng"):
    return api.post(f"candidates/{rc}/go/", who)


def test_the_migration_made_the_teams_and_the_blocking_cases(db):
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= set(Team.values)
    blocking = ValidationCase.objects.filter(release_blocking=True)
    assert sorted(blocking.values_list("name", flat=True)) == BLOCKING


def test_go_with_everything_is_accepted_and_the_release_is_go(api, rc):
    passes(api, rc)
    assert api.post(f"candidates/{rc}/signoff/", "qa", {"team": "qa"})[0] == 201
    status, body = go(api, rc)
    assert status == 200, body
    assert api.get("releases/5.1/")[1]["status"] == "go"
    steps = api.get("releases/5.1/timeline/")[1]
    assert [(s["status"], s["by"]) for s in steps] == [("candidate", "rel"), ("go", "rel")]


def test_a_failed_case_on_one_architecture_refuses_go_naming_it(api, rc):
    passes(api, rc)
    api.post(f"candidates/{rc}/signoff/", "qa", {"team": "qa"})
    api.post("validation-results/", "qa", {"candidate": rc, "case": "media-check",
             "architecture": "i386", "outcome": "fail", "environment": "uefi",
             "bug_urls": ["https://bugs.example.org/1234"]})  # fmt: skip
    status, body = go(api, rc)
    assert status == 409
    assert body["missing"] == ["Release-blocking case media-check: failed on i386."]
    assert api.get("releases/5.1/")[1]["status"] == "candidate"


def test_an_untested_case_refuses_go(api, rc):
    passes(api, rc, cases=BLOCKING[1:])  # boot-bios never tested
    api.post(f"candidates/{rc}/signoff/", "qa", {"team": "qa"})
    status, body = go(api, rc)
    assert status == 409
    assert body["missing"] == [
        "Release-blocking case boot-bios: no pass (untested) on i386.",
        "Release-blocking case boot-bios: no pass (untested) on x86_64.",
    ]


def test_a_warn_alone_is_not_a_pass(api, rc):
    passes(api, rc)
    passes(api, rc, archs=["x86_64"], cases=["upgrade-previous"], outcome="warn")
    api.post(f"candidates/{rc}/signoff/", "qa", {"team": "qa"})
    assert go(api, rc)[1]["missing"] == [
        "Release-blocking case upgrade-previous: no pass (warn) on x86_64."
    ]


def test_a_secondary_architecture_and_non_blocking_cases_do_not_hold_go(api, rc):
    passes(api, rc)
    api.post("validation-results/", "qa", {"candidate": rc, "case": "boot-uefi",
             "architecture": "x86_64", "outcome": "fail"})  # fmt: skip
    api.post(f"candidates/{rc}/signoff/", "qa", {"team": "qa"})
    assert go(api, rc)[0] == 200  # ppc untested, boot-uefi failed: neither blocks


def test_an_accepted_open_blocker_refuses_go_until_closed(api, rc):
    passes(api, rc)
    api.post(f"candidates/{rc}/signoff/", "qa", {"team": "qa"})
    status, blocker = api.post("blockers/", "anyone", {
        "release": "5.1", "milestone": "final", "criterion": "install-dvd",
        "bug_url": "https://bugs.example.org/77",
    })  # fmt: skip
    assert status == 201 and blocker["status"] == "proposed"
    for who in ("qa", "dev", "releng"):
        status, blocker = api.post(f"blockers/{blocker['id']}/vote/", who, {"vote": 1})
    assert blocker["status"] == "accepted" and blocker["votes"] == 3
    status, body = go(api, rc)
    assert status == 409
    assert body["missing"] == ["Accepted blocker still open: https://bugs.example.org/77"]
    assert api.post(f"blockers/{blocker['id']}/close/", "dev")[1]["status"] == "closed"
    assert go(api, rc)[0] == 200


def test_a_proposed_blocker_does_not_block(api, rc):
    passes(api, rc)
    api.post(f"candidates/{rc}/signoff/", "qa", {"team": "qa"})
    api.post("blockers/", "anyone", {"release": "5.1", "milestone": "final",
             "criterion": "upgrade", "bug_url": "https://bugs.example.org/78"})  # fmt: skip
    assert go(api, rc)[0] == 200


def test_without_a_qa_signoff_go_is_refused(api, rc):
    passes(api, rc)
    assert api.post(f"candidates/{rc}/signoff/", "releng", {"team": "release-engineering"})[0] \
        == 201  # fmt: skip
    status, body = go(api, rc)
    assert status == 409 and body["missing"] == [NO_QA]


@pytest.mark.parametrize("who", ["dev", "both"])
def test_a_developer_cannot_sign_off_as_qa(api, rc, who):
    passes(api, rc)
    status, body = api.post(f"candidates/{rc}/signoff/", who, {"team": "qa"})
    assert status == 403
    assert ("developers' team" in body["detail"]) == (who == "both")
    assert not Signoff.objects.exists()
    assert go(api, rc)[1]["missing"] == [NO_QA]


def test_a_qa_signoff_stops_counting_once_its_signer_joins_the_developers(api, rc, people):
    from django.contrib.auth.models import Group

    passes(api, rc)
    assert api.post(f"candidates/{rc}/signoff/", "qa", {"team": "qa"})[0] == 201
    people["qa"][0].groups.add(Group.objects.get(name=Team.DEVELOPERS))
    assert go(api, rc)[1]["missing"] == [NO_QA]


def test_everything_missing_is_named_at_once_and_get_tells_it_without_trying(api, rc):
    api.post("validation-results/", "qa", {"candidate": rc, "case": "boot-bios",
             "architecture": "i386", "outcome": "fail"})  # fmt: skip
    status, body = api.get(f"candidates/{rc}/go/")
    assert status == 200 and body["detail"] == "missing"
    assert len(body["missing"]) == 11  # 5 cases x 2 architectures, and QA's sign-off
    assert "Release-blocking case boot-bios: failed on i386." in body["missing"]


@pytest.mark.parametrize("who, code", [(None, 401), ("anyone", 403), ("qa", 403), ("dev", 403)])
def test_only_release_engineering_gives_go(api, rc, who, code):
    passes(api, rc)
    api.post(f"candidates/{rc}/signoff/", "qa", {"team": "qa"})
    assert go(api, rc, who)[0] == code
    assert api.get("releases/5.1/")[1]["status"] == "candidate"


@pytest.mark.parametrize("who, code", [(None, 401), ("anyone", 403)])
def test_results_come_from_team_members_only(api, rc, who, code):
    status, _ = api.post("validation-results/", who, {"candidate": rc, "case": "boot-bios",
                         "architecture": "i386", "outcome": "pass"})  # fmt: skip
    assert status == code


def test_a_result_on_an_architecture_the_release_lacks_is_a_400(api, rc):
    from apps.releases.tests.factories import ArchitectureFactory

    ArchitectureFactory(name="sparc")
    status, body = api.post("validation-results/", "qa", {"candidate": rc, "case": "boot-bios",
                            "architecture": "sparc", "outcome": "pass"})  # fmt: skip
    assert status == 400 and "architecture" in body
