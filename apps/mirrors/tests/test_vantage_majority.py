"""The vote taken again when a vantage point's content verdicts arrive after the chunk was
recorded: the points' probes run as their workers run them (`vantage_content_probe`, from
their own 127.0.0.x address, against the farm) and are recorded as the portal's worker
records them, without the broker in between (test_vantage_content.py runs the workers).
The repository's state follows the majority at once, and the lists are told after
commit only when what clients get changed. Staff see when each point last answered."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.core.testing.mirrorfarm import Behaviour, MirrorFarm
from apps.mirrors import services
from apps.mirrors.choices import ContentState, MirrorStatus
from apps.mirrors.models import MirrorRepositoryState, VantagePoint
from apps.mirrors.selectors.probe_batches import CheckContext, probe_batches_build
from apps.mirrors.services.vantage_content import (
    probe_batches_pack,
    vantage_content_probe,
    vantage_content_record,
)
from apps.mirrors.signals import mirrors_changed

from .factories import MirrorFactory, MirrorURLFactory, master_mirror_create

pytestmark = [pytest.mark.django_db]

HERE, EU, ASIA = "127.0.0.55", "127.0.0.66", "127.0.0.77"


@pytest.fixture
def farm(master_tree):
    farm = MirrorFarm(master_tree, https=False)
    farm.add_mirror("far", Behaviour.CURRENT)
    farm.set_behaviour("far", Behaviour.CURRENT, behind_from=(EU, ASIA))
    with farm:
        yield farm


def states(mirror) -> dict[str, tuple]:
    return {
        f"{s.repository.name} {s.architecture.name}": (s.state, s.detail, s.here)
        for s in MirrorRepositoryState.objects.filter(mirror=mirror).select_related(
            "repository", "architecture"
        )
    }


def test_a_verdict_arriving_after_the_chunk_changes_the_state_in_the_same_sweep(
    farm, master_catalogue, settings, client, django_capture_on_commit_callbacks
):
    settings.MIRROR_CHECK_ALLOW_NETWORKS = ["127.0.0.0/8"]
    settings.MIRROR_CHECK_SOURCE_ADDRESS = HERE
    settings.MIRROR_CHECK_TIMEOUT = settings.MIRROR_CHECK_CONNECT_TIMEOUT = 2.0
    settings.MIRROR_CHECK_SAMPLE_PACKAGES = 0
    master_mirror_create(farm.master.base_url)
    far = MirrorFactory(name="far.farm.test", status=MirrorStatus.UP)
    MirrorURLFactory(mirror=far, url=farm["far"].base_url)
    services.sweep_run(mirror_ids=[far.pk])  # no vantage point yet: nothing sent
    assert {s for s, _d, _h in states(far).values()} == {ContentState.CURRENT}
    packed = probe_batches_pack(probe_batches_build(mirror_ids=[far.pk],
                                                    context=CheckContext.load()))  # fmt: skip
    VantagePoint.objects.create(name="eu", region="Europe", families=["ipv4"])
    VantagePoint.objects.create(name="asia", region="Asia", families=["ipv4"])
    told: list[str] = []

    def listener(sender, reason="", **kwargs):
        told.append(reason)

    def arrives(point: str, source: str) -> None:
        """What the point's worker sends, then what the portal's worker records."""
        settings.MIRROR_CHECK_SOURCE_ADDRESS = source
        results = vantage_content_probe(packed)
        with django_capture_on_commit_callbacks(execute=True):
            vantage_content_record(vantage=point, results=results)

    mirrors_changed.connect(listener)
    try:
        arrives("eu", EU)  # behind from Europe, current here: a tie keeps it current
        assert {s for s, _d, _h in states(far).values()} == {ContentState.CURRENT}
        assert told == []
        arrives("asia", ASIA)  # and from Asia: two places to one, behind, in this sweep
        found = states(far)
        assert {s for s, _d, _h in found.values()} == {ContentState.BEHIND}
        assert found["os x86_64"][1] == "behind as seen from Asia, Europe"
        assert found["os x86_64"][2] == [ContentState.CURRENT, 0, ""]  # what this place saw
        assert told == ["vantage point asia: the majority changed 6 repository and 0 image states"]
        page = client.get(reverse("mirrors:detail", args=[far.pk])).content.decode()
        assert "Behind" in page

        # Asia sees it current again: one place to two, current, the lists told again.
        farm.set_behaviour("far", Behaviour.CURRENT, behind_from=(EU,))
        told.clear()
        arrives("asia", ASIA)
        assert set(states(far).values()) == {(ContentState.CURRENT, "", None)}
        assert len(told) == 1
        arrives("asia", ASIA)  # the same verdict again: nothing changes, nobody is told
        assert len(told) == 1
    finally:
        mirrors_changed.disconnect(listener)
        settings.MIRROR_CHECK_SOURCE_ADDRESS = HERE


def test_staff_see_when_each_vantage_point_last_answered_and_which_are_silent(
    admin_client, client, settings
):
    settings.MIRROR_CHECK_INTERVAL_MINUTES = 30
    status = reverse("mirrors:status")
    assert "Checked from" not in client.get(status).content.decode()  # one place: as before
    now = timezone.now()
    VantagePoint.objects.create(name="eu", region="Europe", last_answered_at=now)
    VantagePoint.objects.create(name="asia", region="Asia",
                                last_answered_at=now - dt.timedelta(minutes=61))  # fmt: skip
    VantagePoint.objects.create(name="na", region="North America")
    VantagePoint.objects.create(name="off", region="Africa", enabled=False)
    page = admin_client.get(reverse("admin:mirrors_vantagepoint_changelist")).content.decode()
    assert f"{now:%Y-%m-%d %H:%M} UTC" in page
    old = now - dt.timedelta(minutes=61)
    assert f"silent (last answered {old:%Y-%m-%d %H:%M} UTC)" in page
    assert "silent (last answered never)" in page
    assert page.count("silent (") == 2  # a point switched off is not silent, only off

    # The status page says it too.
    page = client.get(status).content.decode()
    assert "This place and 3 vantage points, 2 of them silent: their checks no longer count" in page
    silent = '<span class="status status-down">silent</span>'
    assert f"Asia (asia): {silent}, last answered" in page
    assert f"North America (na): {silent}, never answered" in page
    assert "Europe (eu): last answered" in page and "(off)" not in page
