"""A mirror that flaps (answers, fails, answers... one health round each) against the real
farm: one failed probe is not an outage, so it stays in every list, its owner gets no
email, and the snapshot is not rebuilt round after round."""

from __future__ import annotations

import pytest
from django.core import mail

from apps.core.testing.mirrorfarm import Behaviour
from apps.delivery.models import Snapshot
from apps.delivery.tests.conftest import serve  # noqa: F401  (a fixture)
from apps.mirrors.choices import MirrorStatus

from .test_health_loop import (  # noqa: F401  (fixtures)
    eager,
    farm,
    health_settings,
    listed,
    live,
    network,
    run,
    sweep,
)

pytestmark = [pytest.mark.django_db]


def test_a_flapping_mirror_stays_listed_and_quiet(
    network,  # noqa: F811
    farm,  # noqa: F811
    live,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    capture = django_capture_on_commit_callbacks
    flapping = network["one"]
    sweep(capture)
    assert listed(live, flapping) == (True, True)
    published = Snapshot.objects.count()
    for behaviour in [Behaviour.REFUSED, Behaviour.CURRENT] * 4:
        farm.set_behaviour("one", behaviour)
        report = run(capture)
        assert report.failed == (1 if behaviour is Behaviour.REFUSED else 0)
        assert listed(live, flapping) == (True, True)
    flapping.refresh_from_db()
    assert flapping.status == MirrorStatus.UP and flapping.health_failures == 0
    assert mail.outbox == []
    assert Snapshot.objects.count() == published  # no rebuild per flap

    farm.set_behaviour("one", Behaviour.REFUSED)  # and it really goes: out in two rounds
    run(capture)
    run(capture)
    assert listed(live, flapping) == (False, False)
