"""The periodic tasks of the checks, kept in django-celery-beat."""

from django.conf import settings
from django.db import transaction

SWEEP_TASK_NAME = "Mirror checks: sweep"
AGGREGATE_TASK_NAME = "Mirror checks: fold old checks into daily summaries"
HEALTH_TASK_NAME = "Mirror checks: health"
STAGED_TASK_NAME = "Releases: open staged releases that are due"


def schedule_setup(*, enabled: bool | None = None, interval_minutes: int | None = None):
    """Create or update the periodic tasks of the checks in django-celery-beat (idempotent).

    `enabled` defaults to MIRROR_CHECK_PERIODIC; the interval to
    MIRROR_CHECK_INTERVAL_MINUTES but an interval an admin changed is kept unless given.
    The health loop runs every MIRROR_HEALTH_INTERVAL_SECONDS (its task does nothing while
    MIRROR_HEALTH_ENABLED is off); a round queued behind a backlog expires after one
    interval instead of piling up. Returns the sweep and aggregate tasks.
    """
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    enabled = settings.MIRROR_CHECK_PERIODIC if enabled is None else enabled
    with transaction.atomic():
        sweep = PeriodicTask.objects.filter(name=SWEEP_TASK_NAME).first()
        if sweep is None or interval_minutes is not None:
            every = interval_minutes or settings.MIRROR_CHECK_INTERVAL_MINUTES
            interval, _ = IntervalSchedule.objects.get_or_create(
                every=every, period=IntervalSchedule.MINUTES
            )
        else:
            interval = sweep.interval
        sweep, _ = PeriodicTask.objects.update_or_create(
            name=SWEEP_TASK_NAME,
            defaults={
                "task": "mirrors.sweep_start",
                "interval": interval,
                "crontab": None,
                "enabled": enabled,
                "description": "Check every approved mirror (apps.mirrors.tasks.sweep_start).",
            },
        )
        daily, _ = CrontabSchedule.objects.get_or_create(
            minute="17", hour="3", day_of_week="*", day_of_month="*", month_of_year="*"
        )
        aggregate, _ = PeriodicTask.objects.update_or_create(
            name=AGGREGATE_TASK_NAME,
            defaults={
                "task": "mirrors.checks_aggregate",
                "crontab": daily,
                "interval": None,
                "enabled": enabled,
                "description": "Fold checks older than the retention into daily summaries.",
            },
        )
        every = max(1, int(settings.MIRROR_HEALTH_INTERVAL_SECONDS))
        health_interval, _ = IntervalSchedule.objects.get_or_create(
            every=every, period=IntervalSchedule.SECONDS
        )
        PeriodicTask.objects.update_or_create(
            name=HEALTH_TASK_NAME,
            defaults={
                "task": "mirrors.health_round",
                "interval": health_interval,
                "crontab": None,
                "enabled": enabled,
                "expire_seconds": every,
                "description": "One HEAD of the timestamp file per mirror URL, and a look at "
                "the master's (apps.mirrors.tasks.health_round).",
            },
        )
        staging_interval, _ = IntervalSchedule.objects.get_or_create(
            every=max(1, settings.RELEASE_STAGING_CHECK_SECONDS), period=IntervalSchedule.SECONDS
        )
        PeriodicTask.objects.update_or_create(
            name=STAGED_TASK_NAME,
            defaults={
                "task": "mirrors.staged_open",
                "interval": staging_interval,
                "crontab": None,
                "enabled": True,
                "description": "Open a staged release at its time or its share of mirrors "
                "(apps.mirrors.tasks.staged_open).",
            },
        )
    return sweep, aggregate
