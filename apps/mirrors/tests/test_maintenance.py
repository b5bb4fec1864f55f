"""A mirror in a maintenance window is out on purpose: the sweeps do not count it as
failing and do not email its people, even when the window opens in the middle of a sweep."""

import datetime as dt

from django.core import mail
from django.utils import timezone

from apps.core.testing.mirrorfarm import Behaviour
from apps.mirrors import services
from apps.mirrors.choices import MirrorStatus
from apps.mirrors.models import Check, MaintenanceWindow


def window(mirror, *, hours_ago=1, hours_left=2):
    now = timezone.now()
    return MaintenanceWindow.objects.create(
        mirror=mirror,
        starts_at=now - dt.timedelta(hours=hours_ago),
        ends_at=now + dt.timedelta(hours=hours_left),
        note="disk swap",
    )


def test_a_failing_mirror_in_a_window_is_not_probed_counted_or_emailed(
    farm_mirrors, mirror_farm, django_capture_on_commit_callbacks
):
    mirror = farm_mirrors["current"]
    mirror.status = MirrorStatus.UP
    mirror.save()
    mirror_farm.set_behaviour("current", Behaviour.REFUSED)
    window(mirror)
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            services.sweep_run(mirror_ids=[mirror.pk])
    mirror.refresh_from_db()
    assert (mirror.status, mirror.consecutive_failures) == (MirrorStatus.UP, 0)
    assert mail.outbox == []
    assert not Check.objects.filter(mirror=mirror).exists()

    # The window over, the same failures count again: down after two, and one email.
    MaintenanceWindow.objects.filter(mirror=mirror).update(ends_at=timezone.now())
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            services.sweep_run(mirror_ids=[mirror.pk])
    mirror.refresh_from_db()
    assert (mirror.status, mirror.consecutive_failures) == (MirrorStatus.DOWN, 2)
    assert [m.subject for m in mail.outbox] == ["[CentOS mirrors] Mirror current.farm.test is down"]


def test_a_window_opening_during_a_sweep_keeps_the_checks_but_counts_nothing(
    farm_mirrors, mirror_farm, django_capture_on_commit_callbacks
):
    mirror = farm_mirrors["current"]
    mirror.status, mirror.consecutive_failures = MirrorStatus.UP, 1
    mirror.save()
    mirror_farm.set_behaviour("current", Behaviour.REFUSED)
    with django_capture_on_commit_callbacks(execute=True):
        sweep_chunks = services.sweep_start(mirror_ids=[mirror.pk])
        window(mirror, hours_ago=0)  # opens now, after the sweep planned the mirror
        services.sweep_chunk_run(sweep_id=sweep_chunks.sweep.pk, mirror_ids=sweep_chunks.chunks[0])
        services.sweep_finish(sweep_id=sweep_chunks.sweep.pk)
    mirror.refresh_from_db()
    assert (mirror.status, mirror.consecutive_failures) == (MirrorStatus.UP, 1)
    assert mirror.last_checked_at is not None
    assert Check.objects.filter(mirror=mirror).exclude(error="").exists()
    assert mail.outbox == []
