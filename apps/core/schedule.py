"""The heartbeat's periodic task, kept in django-celery-beat (`manage.py setupschedule`)."""

from django.conf import settings
from django.db import transaction

HEARTBEAT_TASK_NAME = "Workers: heartbeat and outbox"


def heartbeat_schedule_setup():
    """Create or update the heartbeat (idempotent, always enabled): one every
    WORKER_HEARTBEAT_SECONDS, expiring after one interval so a backlog does not pile up."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    every = max(1, int(settings.WORKER_HEARTBEAT_SECONDS))
    with transaction.atomic():
        interval, _ = IntervalSchedule.objects.get_or_create(
            every=every, period=IntervalSchedule.SECONDS
        )
        task, _ = PeriodicTask.objects.update_or_create(
            name=HEARTBEAT_TASK_NAME,
            defaults={
                "task": "core.heartbeat",
                "interval": interval,
                "crontab": None,
                "enabled": True,
                "expire_seconds": every,
                "description": "Note that a worker runs tasks (/healthz) and send the tasks "
                "that waited in the outbox for the broker (apps.core.tasks.heartbeat).",
            },
        )
    return task
