"""Queue content checks of mirrors (apps.mirrors.tasks.recheck runs them): a leaf the other
services call, so that no service imports the tasks that import the services."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from apps.core.outbox import tasks_record


def recheck_queue(mirror_ids, *, reason: str, spread_seconds: float = 0.0, slots: int = 20):
    """Queue content checks of `mirror_ids` after the current transaction commits, spread
    evenly over `spread_seconds` in up to `slots` tasks (0: one task, now). They go through
    the outbox (apps.core.outbox): asked for while the broker is down, they run once it is
    back."""
    ids = sorted(set(mirror_ids))
    if not ids:
        return
    count = max(1, min(slots, len(ids))) if spread_seconds > 0 else 1
    now = timezone.now()
    calls = []
    for index in range(count):
        countdown = spread_seconds * index / count if count > 1 else 0
        eta = now + dt.timedelta(seconds=countdown) if countdown else None
        calls.append(({"mirror_ids": ids[index::count], "reason": reason}, eta))
    tasks_record(name="mirrors.recheck", calls=calls)
