"""A mirror that flaps (fails a probe, answers the next) against the real farm: one failed
probe is not an outage, so it stays in every list, its owner gets no email, and the
snapshot is not rebuilt round after round.

Since the health loop confirms a probe that would change a status by a second one in the
same round (test_health_confirm.py), a mirror that fails a whole round (both probes) is
out in that round: a flap is now a failed probe whose confirmation answers."""

from __future__ import annotations

import pytest
from django.core import mail

from apps.core.testing.mirrorfarm import Behaviour
from apps.delivery.models import Snapshot
from apps.mirrors.choices import MirrorStatus

from .fixtures import listed, run, sweep
from .test_health_confirm import _flip_after_first_request

pytestmark = [pytest.mark.django_db]


def test_a_flapping_mirror_stays_listed_and_quiet(
    network,
    farm,
    live,
    django_capture_on_commit_callbacks,
):
    capture = django_capture_on_commit_callbacks
    flapping = network["one"]
    sweep(capture)
    assert listed(live, flapping) == (True, True)
    published = Snapshot.objects.count()
    for flaps in [True, False] * 4:
        asked = farm["one"].requests["/centos/TIME"]
        if flaps:  # a 500, then the confirmation 0.2 s later is answered
            farm.set_behaviour("one", Behaviour.ERROR_500)
            watcher = _flip_after_first_request(farm, "one", "/centos/TIME", Behaviour.CURRENT)
        report = run(capture)
        if flaps:
            watcher.join()
        # The failed probe was asked again (one request more), and did not count.
        assert farm["one"].requests["/centos/TIME"] - asked == (2 if flaps else 1)
        assert (report.failed, report.taken_down) == (0, [])
        assert listed(live, flapping) == (True, True)
    flapping.refresh_from_db()
    assert flapping.status == MirrorStatus.UP and flapping.health_failures == 0
    assert mail.outbox == []
    assert Snapshot.objects.count() == published  # no rebuild per flap

    farm.set_behaviour("one", Behaviour.REFUSED)  # and it really goes: out in the round
    assert run(capture).taken_down == ["one.farm.test"]
    assert listed(live, flapping) == (False, False)
