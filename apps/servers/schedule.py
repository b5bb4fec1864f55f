"""The periodic round of server service checks, kept in django-celery-beat."""

from django.conf import settings
from django.db import transaction

CHECKS_TASK_NAME = "Server checks: round"


def schedule_setup(*, enabled: bool | None = None):
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
                "task": "servers.checks_round",
                "interval": interval,
                "crontab": None,
                "enabled": enabled,
                "expire_seconds": every,
                "description": "Run the servers' due service checks, nagios-style "
                "(apps.servers.tasks.checks_round).",
            },
        )
    return task
