"""Celery entry points of the delivery app, and how a snapshot rebuild gets queued.

tasks -> services -> selectors: the services never queue tasks themselves.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from . import services
from .selectors import images_without_torrent

log = logging.getLogger(__name__)

REBUILD_PENDING_KEY = "delivery:snapshot:rebuild-pending"
WINDOW_REBUILD_KEY = "delivery:snapshot:window-rebuild:{}"


@shared_task(name="delivery.snapshot_publish", ignore_result=True)
def snapshot_publish_task(reason: str = "", requested_at: float | None = None) -> int | None:
    # Cleared first: changes made while this build runs schedule the next one.
    _cache_call(cache.delete, REBUILD_PENDING_KEY)
    if requested_at is not None and services.snapshot_published_since(requested_at):
        return None  # a backlog of requests (say, after a broker outage) makes one build
    return snapshot_publish_now(reason=reason).version


def snapshot_publish_now(*, reason: str):
    """Publish here, then queue the build for when the next maintenance window opens or
    closes: each build schedules the next, so the lists follow the windows on time with
    no one saving anything (and any publish repairs a lost task)."""
    row = services.snapshot_publish(reason=reason)
    window_rebuild_schedule(at=row.window_next)
    return row


def window_rebuild_schedule(*, at: float | None) -> bool:
    """Queue one rebuild (a Celery task with an eta) just after `at`; True if queued. The
    cache keeps it to one task per moment however many builds came before it."""
    if at is None or not settings.DELIVERY_REBUILD_ON_CHANGE:
        return False
    key = WINDOW_REBUILD_KEY.format(int(at))
    if _cache_call(cache.add, key, 1, timeout=max(60, int(at - time.time()) + 3600)) is False:
        return False
    try:
        # requested_at=at: a build that happened after `at` anyway makes this one a no-op.
        snapshot_publish_task.apply_async(
            kwargs={"reason": "a maintenance window opened or closed", "requested_at": at},
            eta=dt.datetime.fromtimestamp(at + 1, dt.UTC),
            retry=False,
        )
    except Exception as exc:  # noqa: BLE001  (the next publish schedules it again)
        log.warning("no broker for the maintenance window rebuild: %s", exc)
        _cache_call(cache.delete, key)
        return False
    return True


@shared_task(
    name="delivery.image_torrent_build",
    ignore_result=True,
    autoretry_for=(OSError,),
    retry_backoff=60,
    max_retries=3,
)
def image_torrent_build_task(image_id: int) -> None:
    torrent = services.image_torrent_build(image_id=image_id)
    snapshot_rebuild_schedule(reason=f"torrent of image {torrent.image_id}")


@shared_task(name="delivery.torrents_build_missing", ignore_result=True)
def torrents_build_missing_task() -> int:
    """Queue a torrent build for every image that has none (schedule it in beat)."""
    ids = images_without_torrent()
    for image_id in ids:
        image_torrent_build_task.delay(image_id)
    return len(ids)


def snapshot_rebuild_schedule(*, reason: str) -> None:
    """Rebuild soon after the current transaction commits; a burst of changes (an admin
    saving a mirror with its URLs and netblocks) makes one rebuild.

    Never fails the caller: with the cache down the debounce is skipped, and with the
    broker down the snapshot is published here, in this process.
    """
    if not settings.DELIVERY_REBUILD_ON_CHANGE:
        return
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
        getattr(func, "rebuild_pending", False) for _ids, func, _robust in connection.run_on_commit
    ):
        return  # this transaction asks for a rebuild already, which will include this change

    def enqueue() -> None:
        enqueue.rebuild_pending = False
        _rebuild_enqueue(reason)

    enqueue.rebuild_pending = True  # one per transaction, even with the cache down
    transaction.on_commit(enqueue, robust=True)


def _rebuild_enqueue(reason: str) -> None:
    delay = settings.DELIVERY_REBUILD_DEBOUNCE_SECONDS
    first = _cache_call(cache.add, REBUILD_PENDING_KEY, reason, timeout=max(1, int(delay) + 1))
    if first is False:
        return  # a rebuild is already queued and will include this change
    try:
        snapshot_publish_task.apply_async(
            kwargs={"reason": reason, "requested_at": time.time()}, countdown=delay, retry=False
        )
        return
    except Exception as exc:  # noqa: BLE001  (any broker failure)
        log.warning("no broker for the snapshot rebuild (%s): publishing in-process", exc)
    _cache_call(cache.delete, REBUILD_PENDING_KEY)
    try:
        snapshot_publish_now(reason=f"{reason} (in-process: broker unavailable)")
    except Exception:
        log.exception("could not publish the snapshot in-process (%s)", reason)


def _cache_call(method, *args, **kwargs):
    """The cache (Redis in production) may be down: log, and go on without it (None)."""
    try:
        return method(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001
        log.warning("cache unavailable for the snapshot rebuild: %s", exc)
        return None
