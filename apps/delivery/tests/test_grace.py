"""The grace window: right after the master pushes, the mirrors still holding the version it
replaced are listed after the current ones (the metalink: dnf verifies them by the
alternates' hashes) instead of sending everyone to the master; the mirrorlist does the
same unless DELIVERY_MIRRORLIST_GRACE is off, and says so in its comment lines."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from apps.delivery.services import snapshot_publish
from apps.delivery.store import SnapshotStore
from apps.mirrors.choices import ContentState
from apps.mirrors.models import MirrorRepositoryState
from apps.releases.models import RepositoryVersion

from .factories import make_mirror
from .fixtures import call, new_front

DVD = "CentOS-5.0-x86_64-bin-DVD.iso"
MASTER = "http://master.example.org/centos/"
OS = "release=5.0&repo=os&arch=x86_64&cc=GB"


@pytest.fixture
def pushed(built):
    """The master pushed a new os version an hour ago (it replaced v1, which had replaced
    v2 thirty hours ago). Mirrors: one current, one holding v1 (inside the window), one
    holding v2 (outside), and one checked "current" before the push (so it holds v1)."""
    now = timezone.now()
    newest, v1, v2 = RepositoryVersion.objects.filter(
        release=built.release, repository=built.repos["os"]
    ).order_by("-timestamp")
    for version, age in ((newest, 1), (v1, 30), (v2, 60)):
        version.published_at = now - dt.timedelta(hours=age)
        version.save(update_fields=["published_at"])

    def holding(name: str, version, state=ContentState.BEHIND):
        mirror = make_mirror(built, name, "GB", repos=("os",))
        MirrorRepositoryState.objects.filter(mirror=mirror).update(
            state=state, sha256=version.sha256
        )
        return mirror

    holding("current.example.org", newest, ContentState.CURRENT)
    holding("v1.example.org", v1)
    holding("v2.example.org", v2)
    holding("before-push.example.org", v1, ContentState.CURRENT)
    built.versions = {"newest": newest, "v1": v1, "v2": v2}
    return built


def publish():
    row = snapshot_publish(reason="test")
    store = SnapshotStore(poll_seconds=0)
    store.install(bytes(row.blob), write_cache=False)
    return row, store


def urls(text: str) -> list[str]:
    return re.findall(r"<url [^>]*>([^<]+)</url>", text)


def base(name: str) -> str:
    return f"http://{name}/centos/5.0/os/x86_64/"


def test_the_metalink_lists_the_grace_window_after_the_current_mirrors(pushed):
    _row, store = publish()
    text = call(new_front(store), "/metalink", OS).text
    listed = urls(text)
    assert listed[0] == base("current.example.org") + "repodata/repomd.xml"
    assert set(listed[1:3]) == {
        base("v1.example.org") + "repodata/repomd.xml",
        base("before-push.example.org") + "repodata/repomd.xml",
    }
    assert listed[3:] == [MASTER + "5.0/os/x86_64/repodata/repomd.xml"]
    assert base("v2.example.org") not in text  # replaced 30 h ago: outside the window
    # The hashes that let dnf accept them: v1 is an alternate.
    alternates = text.split("<mm0:alternates>")[1]
    assert pushed.versions["v1"].sha256 in alternates


def test_never_master_only_while_a_mirror_is_inside_the_window(pushed):
    MirrorRepositoryState.objects.filter(mirror__name="current.example.org").delete()
    _row, store = publish()
    listed = urls(call(new_front(store), "/metalink", OS).text)
    assert len(listed) == 3 and listed[-1].startswith(MASTER)
    assert all(not url.startswith(MASTER) for url in listed[:2])
    # Without grace in the mirrorlist, the same question gets only the master.
    strict = call(new_front(store, mirrorlist_grace=False), "/mirrorlist", OS).text
    assert strict.splitlines() == [MASTER + "5.0/os/x86_64/"]


def test_the_mirrorlist_adds_the_window_only_when_too_few_are_current_and_says_so(pushed):
    _row, store = publish()
    answer = call(new_front(store), "/mirrorlist", OS + "&time").text.splitlines()
    comments = [line for line in answer if line.startswith("#")]
    assert any(
        "1 mirrors hold the master's newest 5.0/os/x86_64; the next 2 hold the version it "
        "replaced less than 6 h ago" in line
        for line in comments
    ), comments
    lines = [line for line in answer if not line.startswith("#")]
    assert lines[0] == base("current.example.org")
    assert set(lines[1:3]) == {base("v1.example.org"), base("before-push.example.org")}
    assert lines[3:] == [MASTER + "5.0/os/x86_64/"]

    strict = call(new_front(store, mirrorlist_grace=False), "/mirrorlist", OS + "&time").text
    assert [line for line in strict.splitlines() if not line.startswith("#")] == [
        base("current.example.org"),
        MASTER + "5.0/os/x86_64/",
    ]
    assert "2 more inside the 6 h grace window are left out" in strict

    # Enough current mirrors: the window adds nothing, and no comment about it.
    for n in range(10):
        make_mirror(pushed, f"more{n}.example.org", "GB", repos=("os",))
    _row, store = publish()
    full = call(new_front(store), "/mirrorlist", OS + "&time").text
    assert "grace" not in full
    assert base("v1.example.org") not in full and not full.count(MASTER)


def test_the_next_build_is_due_when_a_mirror_leaves_the_window(pushed):
    row, _store = publish()
    replaced = pushed.versions["newest"].published_at.timestamp()
    assert row.window_next == pytest.approx(replaced + 6 * 3600, abs=1)


def test_the_mirror_page_says_listed_in_the_grace_window(pushed):
    _row, store = publish()
    snapshot = store.snapshot
    v1 = pushed.mirrors["v1.example.org"]
    os_row = snapshot.listing_for(v1.pk).row("5.0/os/x86_64")
    assert os_row.listed and "grace window" in os_row.why
    before = pushed.mirrors["before-push.example.org"]
    assert snapshot.listing_for(before.pk).row("5.0/os/x86_64").listed
    v2 = pushed.mirrors["v2.example.org"]
    v2_row = snapshot.listing_for(v2.pk).row("5.0/os/x86_64")
    assert not v2_row.listed and v2_row.why.startswith("Behind")


def test_the_iso_redirect_needs_only_the_file(built):
    """A mirror whose repositories are all behind or missing still serves the ISO it has
    with the right size."""
    make_mirror(built, "isos-only.example.org", "GB", state=ContentState.MISSING)
    _row, store = publish()
    answer = call(new_front(store), f"/isoredirect/5.0/isos/x86_64/{DVD}", "cc=GB")
    assert answer.status == 302
    assert answer.header("Location").startswith("http://isos-only.example.org/centos/")
