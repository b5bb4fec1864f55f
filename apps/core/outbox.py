"""The task outbox: work for the Celery workers is recorded in the same transaction as the
change that asks for it, and sent to the broker after commit. While the broker is down the
rows wait; the heartbeat task (every minute, apps.core.tasks) sends them once it is back.
A row is claimed before it is sent, so two senders never send it twice."""

from __future__ import annotations

import datetime as dt
import logging

from celery import current_app
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import QueuedTask, WorkerHeartbeat

log = logging.getLogger(__name__)


def task_record(
    *, name: str, kwargs: dict, key: str = "", eta: dt.datetime | None = None
) -> QueuedTask:
    """Record a task to send after the current transaction commits. With `key`, a task with
    the same key that is still waiting is the one returned (asked twice, run once)."""
    if key:
        waiting = QueuedTask.objects.filter(key=key, sent_at__isnull=True).first()
        if waiting is not None:
            return waiting
    row = QueuedTask.objects.create(name=name, kwargs=kwargs, key=key, eta=eta)
    transaction.on_commit(lambda: outbox_send(ids=[row.pk]), robust=True)
    return row


def tasks_record(*, name: str, calls: list[tuple[dict, dt.datetime | None]]) -> list[int]:
    """Record several calls of one task (kwargs, eta) in one statement; sent after commit."""
    rows = QueuedTask.objects.bulk_create(
        [QueuedTask(name=name, kwargs=kwargs, eta=eta) for kwargs, eta in calls]
    )
    ids = [row.pk for row in rows]
    transaction.on_commit(lambda: outbox_send(ids=ids), robust=True)
    return ids


def outbox_send(*, ids: list[int] | None = None, limit: int = 1000) -> int:
    """Send waiting tasks (these `ids`, or the oldest `limit`); stop at the first that the
    broker refuses, which stays waiting. Returns how many were sent."""
    waiting = QueuedTask.objects.filter(sent_at__isnull=True)
    if ids is not None:
        waiting = waiting.filter(pk__in=ids)
    sent = 0
    for row in waiting.order_by("pk")[:limit]:
        now = timezone.now()
        if not QueuedTask.objects.filter(pk=row.pk, sent_at__isnull=True).update(sent_at=now):
            continue  # another sender has it
        try:
            _send(row, now)
        except Exception as exc:  # noqa: BLE001  (any broker failure)
            QueuedTask.objects.filter(pk=row.pk).update(
                sent_at=None, attempts=F("attempts") + 1, last_error=repr(exc)[:2000]
            )
            log.warning(
                "broker unavailable: %s waits in the outbox with %d other(s) (%s)",
                row.name,
                waiting.count() - 1,
                exc,
            )
            break
        sent += 1
    return sent


def _send(row: QueuedTask, now: dt.datetime) -> None:
    eta = row.eta if row.eta is not None and row.eta > now else None
    task = current_app.tasks.get(row.name)
    if task is not None:  # honours task_always_eager (development, tests)
        task.apply_async(kwargs=row.kwargs, eta=eta, retry=False)
    else:
        current_app.send_task(row.name, kwargs=row.kwargs, eta=eta, retry=False)


def task_waiting(*, key: str) -> bool:
    """Whether a task recorded under `key` still waits for the broker."""
    return QueuedTask.objects.filter(key=key, sent_at__isnull=True).exists()


def worker_heartbeat_record(*, hostname: str) -> None:
    WorkerHeartbeat.objects.update_or_create(
        hostname=hostname[:255], defaults={"seen_at": timezone.now()}
    )


def outbox_prune(*, days: int = 7) -> int:
    """Forget tasks sent more than `days` ago."""
    cutoff = timezone.now() - dt.timedelta(days=days)
    return QueuedTask.objects.filter(sent_at__lt=cutoff).delete()[0]
