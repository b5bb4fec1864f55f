"""The servers' periodic tasks, kept in django-celery-beat: the round of service checks,
the SNMP round of bandwidth and the daily pruning of raw counter samples."""

from django.conf import settings
from django.db import transaction

CHECKS_TASK_NAME = "Server checks: round"
POLL_TASK_NAME = "Bandwidth: SNMP poll"
PRUNE_TASK_NAME = "Bandwidth: prune old counter samples"


def service_checks_schedule_setup(*, enabled: bool | None = None):
    """Create or update the round of service checks (idempotent): every
    SERVER_CHECK_ROUND_SECONDS beat starts a round that runs the services then due; a round
    queued behind a backlog expires after one interval. `enabled` defaults to
    SERVER_CHECK_PERIODIC."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    enabled = settings.SERVER_CHECK_PERIODIC if enabled is None else enabled
    every = max(1, settings.SERVER_CHECK_ROUND_SECONDS)
    with transaction.atomic():
        interval, _ = IntervalSchedule.objects.get_or_create(
            every=every, period=IntervalSchedule.SECONDS
        )
        task, _ = PeriodicTask.objects.update_or_create(
            name=CHECKS_TASK_NAME,
            defaults={
                "task": "servers.service_checks_round",
                "interval": interval,
                "crontab": None,
                "enabled": enabled,
                "expire_seconds": every,
                "description": "Run the servers' due service checks, nagios-style "
                "(apps.servers.tasks.service_checks_round).",
            },
        )
    return task


def bandwidth_schedule_setup(*, enabled: bool | None = None):
    """Create or update the bandwidth tasks (idempotent); `enabled` defaults to
    TRAFFIC_POLL_PERIODIC. A round queued behind a backlog expires after one interval
    instead of piling up."""
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
