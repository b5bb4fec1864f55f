"""The periodic tasks of bandwidth, kept in django-celery-beat: the SNMP round and the
daily pruning of raw samples."""

from django.conf import settings
from django.db import transaction

POLL_TASK_NAME = "Bandwidth: SNMP poll"
PRUNE_TASK_NAME = "Bandwidth: prune old counter samples"


def schedule_setup(*, enabled: bool | None = None):
    """Create or update the tasks (idempotent); `enabled` defaults to TRAFFIC_POLL_PERIODIC.
    A round queued behind a backlog expires after one interval instead of piling up."""
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    enabled = settings.TRAFFIC_POLL_PERIODIC if enabled is None else enabled
    every = max(1, settings.TRAFFIC_POLL_INTERVAL_MINUTES)
    with transaction.atomic():
        interval, _ = IntervalSchedule.objects.get_or_create(
            every=every, period=IntervalSchedule.MINUTES
        )
        poll, _ = PeriodicTask.objects.update_or_create(
            name=POLL_TASK_NAME,
            defaults={
                "task": "servers.traffic_poll",
                "interval": interval,
                "crontab": None,
                "enabled": enabled,
                "expires": None,
                "expire_seconds": every * 60,
                "description": "Read every server's interface counters over SNMP.",
            },
        )
        daily, _ = CrontabSchedule.objects.get_or_create(
            minute="41", hour="3", day_of_week="*", day_of_month="*", month_of_year="*"
        )
        PeriodicTask.objects.update_or_create(
            name=PRUNE_TASK_NAME,
            defaults={
                "task": "servers.traffic_prune",
                "crontab": daily,
                "interval": None,
                "enabled": enabled,
                "description": "Drop counter samples older than TRAFFIC_SAMPLE_RETENTION_DAYS.",
            },
        )
    return poll
