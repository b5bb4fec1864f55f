"""Maintenance windows told to the mirror's webhooks: "maintenance_start" when a window
opens, "maintenance_end" when it closes, once each. The health round notices them (every
MIRROR_HEALTH_INTERVAL, it already knows which windows are open); a window created already
open is told at once, and one removed while open ends there."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..models import MaintenanceWindow
from .webhooks import webhooks_notify

logger = logging.getLogger(__name__)


def _span(window: MaintenanceWindow) -> str:
    span = f"{window.starts_at:%Y-%m-%d %H:%M} to {window.ends_at:%Y-%m-%d %H:%M} UTC"
    return f"{span}: {window.note}" if window.note else span


def maintenance_events(*, now: dt.datetime | None = None) -> int:
    """Tell the windows that opened or closed since the last call; the number of events.
    A window that opened and closed between two calls is marked told, without events.
    One query when nothing changed (every round pays it)."""
    now = now or timezone.now()
    opened = Q(start_told_at__isnull=True, ends_at__gt=now)
    due = MaintenanceWindow.objects.filter(starts_at__lte=now, end_told_at__isnull=True).filter(
        opened | Q(ends_at__lte=now)
    )
    if not due.exists():
        return 0
    with transaction.atomic():
        return _told(list(due.select_for_update(skip_locked=True)), now=now)


def _told(due: list[MaintenanceWindow], *, now: dt.datetime) -> int:
    events: list[tuple[int, str, str]] = []
    for window in due:
        if window.ends_at > now:
            if window.start_told_at is None:
                events.append((window.mirror_id, "maintenance_start", _span(window)))
                window.start_told_at = now
        else:
            if window.start_told_at is not None:
                events.append((window.mirror_id, "maintenance_end", _span(window)))
            window.start_told_at = window.start_told_at or now
            window.end_told_at = now
        window.save(update_fields=["start_told_at", "end_told_at"])
    if events:
        webhooks_notify(events=events, now=now)
        logger.info("Maintenance windows: %d events told", len(events))
    return len(events)


def maintenance_added(*, window: MaintenanceWindow, now: dt.datetime | None = None) -> None:
    """A window created already open counts as a start, told now."""
    now = now or timezone.now()
    if window.starts_at <= now < window.ends_at and window.start_told_at is None:
        window.start_told_at = now
        window.save(update_fields=["start_told_at"])
        webhooks_notify(events=[(window.mirror_id, "maintenance_start", _span(window))], now=now)


def maintenance_removed(*, window: MaintenanceWindow, now: dt.datetime | None = None) -> None:
    """A window removed while open (its start told) ends now."""
    now = now or timezone.now()
    if window.start_told_at is not None and window.end_told_at is None and window.ends_at > now:
        detail = f"{_span(window)} (removed early)"
        webhooks_notify(events=[(window.mirror_id, "maintenance_end", detail)], now=now)
