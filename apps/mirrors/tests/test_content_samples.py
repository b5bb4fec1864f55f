"""Content beyond the metadata, against the real farm: a mirror serving the master's current
repomd.xml with a package missing or short is "incomplete" for that repository, the path
named on its page, and out of the lists for that repository only; it stays so while the
named package is not served right, and is current again once it is."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.core.testing.mirrorfarm import Behaviour, MirrorFarm
from apps.mirrors.choices import CheckKind, ContentState
from apps.mirrors.models import Check, MirrorRepositoryState
from apps.releases.models import RepositoryVersion

from .fixtures import sweep

pytestmark = [pytest.mark.django_db]

UPDATES = "/mirrorlist?release=5.0&arch=x86_64&repo=updates&cc=GB"
OS = "/mirrorlist?release=5.0&arch=x86_64&repo=os&cc=GB"


@pytest.fixture
def farm(master_tree):
    farm = MirrorFarm(master_tree, https=False)
    farm.add_mirror("good", Behaviour.CURRENT)
    farm.add_mirror("gone", Behaviour.MISSING_PACKAGE, repo="updates")
    farm.add_mirror("short", Behaviour.TRUNCATED_PACKAGE, repo="5.0/updates/x86_64")
    with farm:
        yield farm


def states(mirror) -> dict[str, tuple[str, str]]:
    return {
        f"{s.repository.name}/{s.architecture.name}": (s.state, s.detail)
        for s in MirrorRepositoryState.objects.filter(mirror=mirror).select_related(
            "repository", "architecture"
        )
    }


def test_a_missing_or_short_package_makes_its_repository_incomplete(
    network, farm, live, health_settings, client, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    health_settings.MIRROR_CHECK_SAMPLE_PACKAGES = 24  # every package the pools hold
    health_settings.MIRROR_CHECK_SAMPLE_FULL_RATE = 1.0  # each asked whole, its sha256 read
    health_settings.DELIVERY_GRACE_SECONDS = 0
    sweep(capture)

    # The master's primary.xml was read: the newest packages of each new version.
    newest = RepositoryVersion.objects.filter(
        repository__name="updates", architecture__name="x86_64"
    ).latest("timestamp")
    stamp = farm.tree.repos[("5.0", "updates", "x86_64")][0].timestamp
    assert [p[0] for p in newest.packages] == [
        f"Packages/pkg{i}-updates-{stamp}-1.x86_64.rpm" for i in range(4)
    ]  # newest first
    good, gone, short = network["good"], network["gone"], network["short"]
    assert set(states(good).values()) == {(ContentState.CURRENT, "")}
    assert not Check.objects.filter(mirror=good, kind=CheckKind.PACKAGE).exclude(error="").exists()
    assert Check.objects.filter(mirror=good, kind=CheckKind.PACKAGE).count() == 24

    seen = states(gone)
    for key, (state, detail) in seen.items():
        if key.startswith("updates/"):
            assert state == ContentState.INCOMPLETE
            assert detail.startswith(f"5.0/updates/{key.split('/')[1]}/Packages/pkg")
            assert detail.endswith(".rpm: missing (404)")
        else:
            assert (state, detail) == (ContentState.CURRENT, "")
    (state, detail) = states(short)["updates/x86_64"]
    assert state == ContentState.INCOMPLETE and "bytes, the master's" in detail
    assert states(short)["updates/i386"] == (ContentState.CURRENT, "")

    # Out of the lists for that repository only.
    for mirror in (gone, short):
        url = mirror.urls.get().url
        assert url not in live(UPDATES) and url in live(OS)
    assert good.urls.get().url in live(UPDATES)

    # The page names the package.
    page = client.get(reverse("mirrors:detail", args=[gone.pk])).content.decode()
    assert "Incomplete" in page and detail_of(gone, "updates/x86_64") in page

    # No new sample at all: the named package is asked again, and is still missing.
    health_settings.MIRROR_CHECK_SAMPLE_PACKAGES = 0
    sweep(capture)
    assert states(gone)["updates/x86_64"][0] == ContentState.INCOMPLETE
    named = detail_of(gone, "updates/x86_64").partition(": ")[0]
    assert (
        Check.objects.filter(mirror=gone, kind=CheckKind.PACKAGE, url__endswith=named).count() == 2
    )

    # Served again: current, back in the lists.
    farm.set_behaviour("gone", Behaviour.CURRENT)
    sweep(capture)
    assert states(gone)["updates/x86_64"] == (ContentState.CURRENT, "")
    assert gone.urls.get().url in live(UPDATES)


def detail_of(mirror, key: str) -> str:
    return states(mirror)[key][1]
