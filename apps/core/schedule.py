"""Every periodic task of the portal, kept in django-celery-beat (`manage.py setupschedule`).

One table, `PERIODIC`, names each task (by its Celery name, so core imports no domain), how
often it runs and which setting switches it on; `schedule_setup` writes the table into
django-celery-beat, idempotently. A round queued behind a backlog expires after one
interval (`expires`) instead of piling up.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

SWEEP_TASK_NAME = "Mirror checks: sweep"
AGGREGATE_TASK_NAME = "Mirror checks: fold old checks into daily summaries"
HEALTH_TASK_NAME = "Mirror checks: health"
STAGED_TASK_NAME = "Releases: open staged releases that are due"
CHECKS_TASK_NAME = "Server checks: round"
POLL_TASK_NAME = "Bandwidth: SNMP poll"
PRUNE_TASK_NAME = "Bandwidth: prune old counter samples"
HEARTBEAT_TASK_NAME = "Workers: heartbeat and outbox"


@dataclass(frozen=True)
class Periodic:
    """One periodic task: every `every` (a setting's name) `period`, or daily at `daily`
    (hour, minute); enabled by the boolean setting `switch` (None: always on)."""

    name: str
    task: str
    description: str
    switch: str | None = None
    every: str | None = None
    period: str = "seconds"
    daily: tuple[int, int] | None = None
    expires: bool = False
    keep_interval: bool = False  # an interval an admin changed survives a re-run


PERIODIC = (
    Periodic(
        SWEEP_TASK_NAME, "mirrors.sweep_start",
        "Check every approved mirror (apps.mirrors.tasks.sweep_start).",
        switch="MIRROR_CHECK_PERIODIC", every="MIRROR_CHECK_INTERVAL_MINUTES",
        period="minutes", keep_interval=True,
    ),
    Periodic(
        AGGREGATE_TASK_NAME, "mirrors.checks_aggregate",
        "Fold checks older than the retention into daily summaries.",
        switch="MIRROR_CHECK_PERIODIC", daily=(3, 17),
    ),
    Periodic(
        HEALTH_TASK_NAME, "mirrors.health_round",
        "One HEAD of the timestamp file per mirror URL, and a look at "
        "the master's (apps.mirrors.tasks.health_round).",
        switch="MIRROR_CHECK_PERIODIC", every="MIRROR_HEALTH_INTERVAL_SECONDS", expires=True,
    ),
    Periodic(
        STAGED_TASK_NAME, "mirrors.staged_open",
        "Open a staged release at its time or its share of mirrors "
        "(apps.mirrors.tasks.staged_open).",
        every="RELEASE_STAGING_CHECK_SECONDS",
    ),
    Periodic(
        CHECKS_TASK_NAME, "servers.service_checks_round",
        "Run the servers' due service checks, nagios-style "
        "(apps.servers.tasks.service_checks_round).",
        switch="SERVER_CHECK_PERIODIC", every="SERVER_CHECK_ROUND_SECONDS", expires=True,
    ),
    Periodic(
        POLL_TASK_NAME, "servers.traffic_poll",
        "Read every server's interface counters over SNMP.",
        switch="TRAFFIC_POLL_PERIODIC", every="TRAFFIC_POLL_INTERVAL_MINUTES",
        period="minutes", expires=True,
    ),
    Periodic(
        PRUNE_TASK_NAME, "servers.traffic_prune",
        "Drop counter samples older than TRAFFIC_SAMPLE_RETENTION_DAYS.",
        switch="TRAFFIC_POLL_PERIODIC", daily=(3, 41),
    ),
    Periodic(
        HEARTBEAT_TASK_NAME, "core.heartbeat",
        "Note that a worker runs tasks (/healthz) and send the tasks "
        "that waited in the outbox for the broker (apps.core.tasks.heartbeat).",
        every="WORKER_HEARTBEAT_SECONDS", expires=True,
    ),
)  # fmt: skip

_SECONDS_PER = {"seconds": 1, "minutes": 60}


def _upsert(entry: Periodic, *, enabled: bool | None, every: int | None):
    """Create or update one entry; `enabled` None follows its switch, `every` None its
    setting (or, with keep_interval, the interval already stored)."""
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    if entry.switch is None:
        enabled = True
    elif enabled is None:
        enabled = bool(getattr(settings, entry.switch))
    defaults = {"task": entry.task, "enabled": enabled, "description": entry.description}
    if entry.daily is not None:
        hour, minute = entry.daily
        defaults["crontab"], _ = CrontabSchedule.objects.get_or_create(
            minute=str(minute), hour=str(hour), day_of_week="*", day_of_month="*",
            month_of_year="*",
        )  # fmt: skip
        defaults["interval"] = None
    else:
        stored = PeriodicTask.objects.filter(name=entry.name).first()
        if entry.keep_interval and stored is not None and every is None:
            defaults["interval"] = stored.interval
        else:
            every = max(1, int(every or getattr(settings, entry.every)))
            defaults["interval"], _ = IntervalSchedule.objects.get_or_create(
                every=every, period=entry.period
            )
        defaults["crontab"] = None
        if entry.expires:
            interval = defaults["interval"]
            defaults["expire_seconds"] = interval.every * _SECONDS_PER[interval.period]
    task, _ = PeriodicTask.objects.update_or_create(name=entry.name, defaults=defaults)
    return task


def schedule_setup(
    *, enabled: bool | None = None, interval_minutes: int | None = None
) -> dict[str, object]:
    """Write every entry of PERIODIC into django-celery-beat (idempotent); returns the
    PeriodicTask of each, by Celery task name.

    `enabled` True or False turns every switched task on or off; None follows each one's
    setting (the heartbeat and the staged releases' opening always run). `interval_minutes`
    sets the sweep's interval; without it an interval an admin changed is kept.
    """
    with transaction.atomic():
        return {
            entry.task: _upsert(
                entry,
                enabled=enabled,
                every=interval_minutes if entry.keep_interval else None,
            )
            for entry in PERIODIC
        }
