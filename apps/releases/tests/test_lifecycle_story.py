"""The lifecycle as a story, through the API with each team's token: RC1 fails a case on
one architecture, a blocker is proposed and accepted, RC2 passes, a developer's sign-off
is refused and QA's accepted, go; staged, the mirrors check and sync it while no public
answer names it; it opens when 60% of the mirrors hold it (a new snapshot after commit);
the release before it goes to the vault. The answers are the delivery front's, as yum
reads them."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.core.testing.fixtures import tasks_eager
from apps.delivery.models import Snapshot
from apps.delivery.services import snapshot_publish
from apps.delivery.store import SnapshotStore
from apps.delivery.tests.fixtures import call, new_front
from apps.mirrors.choices import ContentState
from apps.mirrors.models import MirrorRepositoryState
from apps.mirrors.selectors import CheckContext
from apps.mirrors.selectors.staging import staging_progress
from apps.mirrors.services.staging import staged_releases_open_due
from apps.mirrors.tests.factories import MirrorFactory, MirrorURLFactory, master_mirror_create
from apps.releases.models import Release, ReleaseCandidate
from apps.releases.services import candidate_images_record

from .factories import ImageFactory, RepositoryVersionFactory
from .test_go_rule import passes

LIST_51 = "release=5.1&arch=x86_64&repo=os&cc=GB"


def answer(query: str, path: str = "/mirrorlist"):
    row = snapshot_publish(reason="story")
    store = SnapshotStore(poll_seconds=0)
    store.install(bytes(row.blob), write_cache=False)
    return call(new_front(store), path, query)


@pytest.fixture
def world(planned):
    """The master, five public mirrors and the master's repomd.xml of 5.0 and 5.1."""
    master_mirror_create("http://master.example.org/centos/", name="master.example.org")
    release_50 = Release.objects.get(version="5.0")
    for release in (release_50, planned):
        for arch in release.architectures.all():
            for repo in release.repositories.all():
                RepositoryVersionFactory(release=release, repository=repo, architecture=arch)
    mirrors = []
    for n, cc in enumerate(["GB", "GB", "FR", "DE", "IE"]):
        mirror = MirrorFactory(name=f"m{n}.example.org", country=cc)
        MirrorURLFactory(mirror=mirror)
        mirrors.append(mirror)
        for arch in release_50.architectures.all():
            for repo in release_50.repositories.all():
                MirrorRepositoryState.objects.create(
                    mirror=mirror, release=release_50, repository=repo, architecture=arch,
                    state=ContentState.CURRENT, checked_at=timezone.now(),
                )  # fmt: skip
    return mirrors


def holds(mirror, release):
    for arch in release.architectures.all():
        for repo in release.repositories.all():
            MirrorRepositoryState.objects.update_or_create(
                mirror=mirror, release=release, repository=repo, architecture=arch,
                defaults={"state": ContentState.CURRENT, "checked_at": timezone.now()},
            )  # fmt: skip


def test_from_candidate_to_vault(api, world, django_capture_on_commit_callbacks, settings):
    # RC1: composed by release engineering; its images are the master's.
    status, rc1 = api.post("candidates/", "releng", {"release": "5.1"})
    assert status == 201 and rc1["label"] == "RC1"
    assert api.post("candidates/", "dev", {"release": "5.1"})[0] == 403
    candidate_images_record(
        candidate=ReleaseCandidate.objects.get(pk=rc1["id"]),
        found={Release.objects.get(version="5.1").architectures.get(name="x86_64").pk: [
            ("CentOS-5.1-x86_64-bin-DVD.iso", 4_000_000_000, "ab" * 32)]},
    )  # fmt: skip
    assert api.get(f"candidates/{rc1['id']}/")[1]["images"][0]["size"] == 4_000_000_000

    # RC1 fails the DVD install on i386; a bug is proposed as a blocker and accepted.
    passes(api, rc1["id"], archs=["x86_64"])
    passes(api, rc1["id"], archs=["i386"], cases=["install-dvd-default"], outcome="fail")
    status, blocker = api.post("blockers/", "anyone", {
        "release": "5.1", "milestone": "final", "criterion": "install-dvd",
        "bug_url": "https://bugs.example.org/2001", "summary": "anaconda dies on i386",
    })  # fmt: skip
    assert status == 201
    assert (
        api.post(
            "blockers/",
            None,
            {
                "release": "5.1",
                "milestone": "final",
                "criterion": "install-dvd",
                "bug_url": "https://b.example.org/1",
            },
        )[0]
        == 401
    )
    assert api.post(f"blockers/{blocker['id']}/vote/", "anyone", {"vote": 1})[0] == 403
    for who in ("qa", "dev", "releng"):
        blocker = api.post(f"blockers/{blocker['id']}/vote/", who, {"vote": 1})[1]
    assert blocker["status"] == "accepted"
    status, body = api.post(f"candidates/{rc1['id']}/go/", "releng")
    assert status == 409 and "Release-blocking case install-dvd-default: failed on i386." in \
        body["missing"]  # fmt: skip

    # RC2 fixes it: everything passes, the blocker is closed.
    rc2 = api.post("candidates/", "releng", {"release": "5.1"})[1]
    assert rc2["label"] == "RC2"
    passes(api, rc2["id"])
    candidate_images_record(
        candidate=ReleaseCandidate.objects.get(pk=rc2["id"]),
        found={Release.objects.get(version="5.1").architectures.get(name="x86_64").pk: [
            ("CentOS-5.1-x86_64-bin-DVD.iso", 4_000_000_001, "cd" * 32)]},
    )  # fmt: skip
    assert api.post(f"blockers/{blocker['id']}/close/", "dev")[1]["status"] == "closed"

    # A developer's sign-off as QA is refused; QA's is accepted; go.
    assert api.post(f"candidates/{rc2['id']}/signoff/", "both", {"team": "qa"})[0] == 403
    assert api.post(f"candidates/{rc2['id']}/go/", "releng")[1]["missing"] == [
        "No sign-off by a QA member who is not in the developers' team."
    ]
    assert api.post(f"candidates/{rc2['id']}/signoff/", "qa", {"team": "qa"})[0] == 201
    assert api.post(f"candidates/{rc2['id']}/go/", "releng")[0] == 200

    # Staged: the checks and the sync tree carry it, no public answer names it.
    assert answer(LIST_51).status == 404
    status, release = api.post("releases/5.1/stage/", "releng", {"share": 60})
    assert status == 200 and release["status"] == "staged"
    release = Release.objects.get(version="5.1")
    assert release in CheckContext.load().releases.values()
    assert answer(LIST_51).status == 404
    assert "5.1" not in answer("release=5&arch=x86_64&repo=os&cc=GB").text
    assert answer("", "/isoredirect/5.1/isos/x86_64/CentOS-5.1-x86_64-bin-DVD.iso").status == 404
    assert api.client.get("/isoredirect/5.1/isos/x86_64/").status_code == 404

    # Two of five mirrors hold it: 40%, it stays staged; the third makes 60%: it opens.
    holds(world[0], release)
    holds(world[1], release)
    assert staging_progress(release)["share"] == 40
    assert staged_releases_open_due() == []
    holds(world[2], release)
    settings.DELIVERY_REBUILD_ON_CHANGE = True
    settings.DELIVERY_REBUILD_DEBOUNCE_SECONDS = 0
    before = Snapshot.objects.count()
    with tasks_eager(), django_capture_on_commit_callbacks(execute=True):
        assert staged_releases_open_due() == ["5.1"]
    assert Snapshot.objects.count() == before + 1  # published after the commit
    listed = answer(LIST_51).text.split()
    assert sorted(listed[:3]) == [
        f"http://m{n}.example.org/centos/5.1/os/x86_64/" for n in range(3)
    ]
    assert listed[3:] == ["http://master.example.org/centos/5.1/os/x86_64/"]  # the last resort
    assert "/5.1/os/" in answer("release=5&arch=x86_64&repo=os&cc=GB").text
    iso = answer("", "/isoredirect/5.1/isos/x86_64/CentOS-5.1-x86_64-bin-DVD.iso")
    assert iso.status == 302  # the go candidate's images are the release's
    steps = api.get("releases/5.1/timeline/")[1]
    assert [s["status"] for s in steps] == ["candidate", "candidate", "go", "staged", "current"]
    assert "60% of the mirrors (3 of 5" in steps[-1]["note"]

    # 5.0 goes to the vault: the mirrorlist and the ISO redirect send clients there.
    ImageFactory(release=Release.objects.get(version="5.0"), name="CentOS-5.0-x86_64-bin-DVD.iso")
    call_command("endoflife", "5.0", "--by", "ops")
    vault = answer("release=5.0&arch=x86_64&repo=os&cc=GB")
    assert vault.status == 200
    assert vault.text.split() == ["http://vault.example.org/centos/5.0/os/x86_64/"]
    iso = answer("", "/isoredirect/5.0/isos/x86_64/CentOS-5.0-x86_64-bin-DVD.iso")
    assert iso.status == 302
    assert iso.header("Location").startswith("http://vault.example.org/centos/5.0/isos/")
    assert api.get("releases/5.0/timeline/")[1][-1]["by"] == "ops"
