"""The health loop notices a finished sync: a mirror's timestamp file is rewritten by each
sync, so the Last-Modified of the HEAD the loop sends anyway changes; the round that sees
it queues a content check, and the mirror is current and listed within that round."""

from __future__ import annotations

import datetime as dt
import urllib.request

import pytest
from django.utils import timezone

from apps.core.testing.mirrorfarm import Behaviour
from apps.mirrors import services
from apps.mirrors.choices import CheckKind, ContentState, MirrorStatus
from apps.mirrors.models import Check, Mirror, MirrorRepositoryState
from apps.mirrors.services import queueing
from apps.mirrors.services.health_record import BACK_REASON, SYNC_REASON

from .factories import MirrorFactory, MirrorURLFactory
from .fixtures import listed, run, sweep

pytestmark = [pytest.mark.django_db]


def late_mirror(farm) -> Mirror:
    """A mirror one version behind the master, as the portal knows it (not checked yet)."""
    sim = farm.add_mirror("late", Behaviour.BEHIND, versions_behind=1)
    mirror = MirrorFactory(name="late.farm.test", status="unknown")
    MirrorURLFactory(mirror=mirror, url=sim.base_url)
    return mirror


def served_last_modified(farm, name: str) -> str:
    request = urllib.request.Request(farm[name].url("TIME"), method="HEAD")
    with urllib.request.urlopen(request, timeout=5) as answer:
        return answer.headers["Last-Modified"]


def repo_states(mirror: Mirror) -> set[str]:
    return set(MirrorRepositoryState.objects.filter(mirror=mirror).values_list("state", flat=True))


def test_a_mirror_that_finishes_a_sync_is_current_within_a_round(
    network, farm, live, health_settings, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    health_settings.DELIVERY_GRACE_SECONDS = 0  # no grace window: listed is current
    late = late_mirror(farm)
    sweep(capture)
    late.refresh_from_db()
    assert late.status == MirrorStatus.UP and repo_states(late) == {ContentState.BEHIND}
    assert listed(live, late) == (False, False)
    # The first round only learns the Last-Modified of each mirror's TIME.
    report = run(capture)
    assert report.rechecks_queued == [] and report.failed == 0
    late.refresh_from_db()
    before = served_last_modified(farm, "late")
    assert late.time_modified == before == farm.tree.view(1)["TIME"].last_modified
    assert run(capture).rechecks_queued == []  # unchanged: nothing queued

    farm.set_behaviour("late", Behaviour.CURRENT)  # its sync finished: a newer TIME
    after = served_last_modified(farm, "late")
    assert after != before and after == farm.tree.view()["TIME"].last_modified
    rounds = 0
    while listed(live, late) != (True, True):
        assert rounds < 3, "not listed as current after 3 health rounds"
        report = run(capture)
        rounds += 1
    print(f"\na finished sync: current and listed after {rounds} health round(s)")
    assert rounds == 1
    assert report.synced == report.rechecks_queued == ["late.farm.test"]
    late.refresh_from_db()
    assert repo_states(late) == {ContentState.CURRENT} and late.time_modified == after
    assert late.recheck_requested_at is not None
    rechecked = Check.objects.filter(mirror=late, sweep=None, kind=CheckKind.TIMESTAMP)
    assert rechecked.count() == 1
    assert run(capture).rechecks_queued == []  # the same TIME again: nothing more
    others = Mirror.objects.exclude(pk=late.pk).filter(recheck_requested_at__isnull=False)
    assert not others.exists()  # their TIME did not change


def test_a_second_sync_within_recheck_min_seconds_queues_nothing(
    network, farm, health_settings, monkeypatch
):
    late = late_mirror(farm)
    Mirror.objects.update(status=MirrorStatus.UP)
    queued = []
    monkeypatch.setattr(  # (a push found by the master watch queues its own)
        queueing,
        "recheck_queue",
        lambda ids, *, reason, **kw: queued.append((list(ids), reason)),
    )
    now = timezone.now()
    seen = []
    # minute 0 learns; a sync before each later round: 1 queues, 3 is within 300 s of it,
    # 7 is not (a different TIME each time: versions 1, 0, 2 and 0 behind)
    for minutes, behind in ((0, 1), (1, 0), (3, 2), (7, 0)):
        if behind:
            farm.set_behaviour("late", Behaviour.BEHIND, versions_behind=behind)
        else:
            farm.set_behaviour("late", Behaviour.CURRENT)
        report = services.health_round(now=now + dt.timedelta(minutes=minutes))
        seen.append(report.synced)
        late.refresh_from_db()
        assert late.time_modified == farm.tree.view(behind)["TIME"].last_modified
    assert seen == [[], ["late.farm.test"], [], ["late.farm.test"]]
    ours = [call for call in queued if call[1] == SYNC_REASON]
    assert ours == [([late.pk], SYNC_REASON)] * 2  # at 1 and 7 minutes
    assert late.recheck_requested_at == now + dt.timedelta(minutes=7)
    assert not [call for call in queued if call[1] == BACK_REASON]
