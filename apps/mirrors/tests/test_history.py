"""Check history: old checks folded into daily summaries; the periodic schedule."""

import datetime as dt

import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from apps.core import schedule
from apps.mirrors import services
from apps.mirrors.models import Check, CheckDaily

from .factories import MirrorFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2007, 3, 20, 12, 0, tzinfo=dt.UTC)


def check(mirror, days_ago, latency, error="", hour=10):
    day = (NOW - dt.timedelta(days=days_ago)).replace(hour=hour)
    return Check(mirror=mirror, url="http://x/TIME", kind="timestamp", checked_at=day,
                 latency_ms=latency, error=error, http_status=None if error else 200)  # fmt: skip


def test_checks_past_the_retention_are_folded_into_daily_summaries(settings):
    settings.MIRROR_CHECK_RETENTION_DAYS = 14
    a, b = MirrorFactory(), MirrorFactory()
    latencies = list(range(10, 210, 10))  # 20 good checks: 10..200 ms
    Check.objects.bulk_create(
        [check(a, 20, ms) for ms in latencies]
        + [check(a, 20, 5000, error="timeout", hour=11)]
        + [check(b, 16, 40), check(b, 16, None, error="refused")]
        + [check(a, 3, 70), check(b, 13, 80)]  # within the retention: kept
    )

    assert services.checks_aggregate(now=NOW) == 23

    day = CheckDaily.objects.get(mirror=a)
    assert day.day == (NOW - dt.timedelta(days=20)).date()
    assert (day.checks, day.failures) == (21, 1)
    assert day.success_ratio == pytest.approx(20 / 21)
    assert day.latency_mean_ms == pytest.approx(105.0)  # failures don't count
    assert day.latency_p95_ms == 190
    other = CheckDaily.objects.get(mirror=b)
    assert (other.checks, other.failures, other.success_ratio) == (2, 1, 0.5)
    assert sorted(Check.objects.values_list("latency_ms", flat=True)) == [70, 80]

    assert services.checks_aggregate(now=NOW) == 0  # nothing left to fold
    assert CheckDaily.objects.count() == 2


def test_a_day_folded_twice_is_merged(settings):
    settings.MIRROR_CHECK_RETENTION_DAYS = 14
    mirror = MirrorFactory()
    Check.objects.bulk_create([check(mirror, 20, 100), check(mirror, 20, 300)])
    services.checks_aggregate(now=NOW)
    Check.objects.bulk_create([check(mirror, 20, 200), check(mirror, 20, None, error="dns")])
    services.checks_aggregate(now=NOW)
    day = CheckDaily.objects.get()
    assert (day.checks, day.failures) == (4, 1)
    assert day.latency_mean_ms == pytest.approx(200.0)


def test_setupschedule_creates_the_periodic_tasks_once(settings):
    settings.MIRROR_CHECK_PERIODIC = settings.SERVER_CHECK_PERIODIC = False
    call_command("setupschedule")
    call_command("setupschedule")
    tasks = {t.task: t for t in PeriodicTask.objects.all()}
    assert set(tasks) == {
        "mirrors.sweep_start", "mirrors.checks_aggregate", "mirrors.health_round",
        "servers.service_checks_round",
        "servers.traffic_poll", "servers.traffic_prune",  # bandwidth: SNMP every 5 minutes
        "core.heartbeat",  # the workers' heartbeat, which also sends what the outbox kept
        "mirrors.staged_open",  # staged releases opened at their time or share
    }  # fmt: skip
    poll = tasks["servers.traffic_poll"]
    assert (poll.interval.every, poll.interval.period, poll.expire_seconds) == (5, "minutes", 300)
    # The checks are off in the demo; the heartbeat and the staged releases' opening always run.
    always = {"core.heartbeat", "mirrors.staged_open"}
    assert {name for name, t in tasks.items() if t.enabled} == always
    assert tasks["mirrors.sweep_start"].interval.every == 30
    health = tasks["mirrors.health_round"].interval
    assert (health.every, health.period) == (60, "seconds")
    assert tasks["mirrors.health_round"].expire_seconds == 60

    # An interval an admin changed survives; the switch follows the setting.
    sweep = tasks["mirrors.sweep_start"]
    schedule.schedule_setup(enabled=True, interval_minutes=10)
    schedule.schedule_setup(enabled=True)
    sweep.refresh_from_db()
    assert sweep.enabled and sweep.interval.every == 10
    assert PeriodicTask.objects.get(task="mirrors.health_round").enabled
    assert PeriodicTask.objects.count() == 8
