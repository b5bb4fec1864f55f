"""Celery entry points of the mirror checks: thin, they call apps.mirrors.services.

A sweep is `sweep_start` -> one `sweep_chunk` per chunk of mirrors (any worker, any
machine) -> `sweep_finish`, enqueued by the chunk that completes the sweep (a counter
under a row lock, so no result backend is needed, unlike a chord).
"""

import logging

from celery import shared_task
from django.conf import settings

from . import services
from .choices import SweepTrigger
from .services import rechecks, registration

logger = logging.getLogger(__name__)


@shared_task(name="mirrors.sweep_start", ignore_result=True)
def sweep_start(trigger: str = SweepTrigger.PERIODIC) -> int | None:
    sweep_chunks = services.sweep_start(
        trigger=trigger, chunk_size=settings.MIRROR_CHECK_CHUNK_SIZE
    )
    if sweep_chunks is None:
        logger.info("A sweep is already running; this one is skipped.")
        return None
    if not sweep_chunks.chunks:
        sweep_finish.delay(sweep_chunks.sweep.pk)
    for mirror_ids in sweep_chunks.chunks:
        sweep_chunk.delay(sweep_chunks.sweep.pk, mirror_ids)
    return sweep_chunks.sweep.pk


@shared_task(name="mirrors.sweep_chunk", ignore_result=True)
def sweep_chunk(sweep_id: int, mirror_ids: list[int]) -> None:
    try:
        report = services.sweep_chunk_run(sweep_id=sweep_id, mirror_ids=mirror_ids)
        last = report.last
    except Exception as exc:
        # Not retried: the next sweep checks these mirrors again. Counting the chunk lets
        # this sweep finish instead of waiting for its lease to expire.
        logger.exception("Sweep %s: a chunk of %d mirrors failed", sweep_id, len(mirror_ids))
        last = services.sweep_chunk_fail(sweep_id=sweep_id, error=repr(exc), mirror_ids=mirror_ids)
    if last:
        sweep_finish.delay(sweep_id)


@shared_task(name="mirrors.sweep_finish", ignore_result=True)
def sweep_finish(sweep_id: int) -> None:
    services.sweep_finish(sweep_id=sweep_id)


@shared_task(name="mirrors.checks_aggregate", ignore_result=True)
def checks_aggregate() -> int:
    return services.checks_aggregate()


@shared_task(name="mirrors.mirror_check_first", ignore_result=True)
def mirror_check_first_task(mirror_id: int) -> int:
    """The check right after a volunteer registers or edits a mirror, outside any sweep;
    not retried (the sweeps check it again)."""
    return registration.mirror_check_first(mirror_id=mirror_id)


@shared_task(name="mirrors.recheck", ignore_result=True)
def mirrors_recheck_task(mirror_ids: list[int], reason: str = "") -> int:
    """A content check of a few mirrors outside the sweeps (apps.mirrors.services.rechecks);
    not retried: the sweeps check them again."""
    return rechecks.mirrors_recheck(mirror_ids=mirror_ids, reason=reason)


@shared_task(name="mirrors.webhook_deliver", bind=True, ignore_result=True, max_retries=None)
def webhook_deliver_task(self, delivery_id: int) -> None:
    """One attempt to deliver an event to a webhook; a failure is tried again after
    MIRROR_WEBHOOK_RETRY_SECONDS, doubled each time, MIRROR_WEBHOOK_ATTEMPTS in all."""
    from .services.webhooks import webhook_deliver

    if webhook_deliver(delivery_id=delivery_id) is False:
        delay = settings.MIRROR_WEBHOOK_RETRY_SECONDS * 2**self.request.retries
        raise self.retry(countdown=delay)


@shared_task(name="mirrors.vantage_round", ignore_result=True)
def vantage_round_task(vantage: str, items: list, reply_queue: str | None = None,
                       families: list[str] | None = None) -> int:  # fmt: skip
    """On a vantage point (its own queue, no database): probe, then send what it saw back
    to the portal's workers (`reply_queue`, else the default queue)."""
    from celery import current_app

    from .services.vantage import vantage_probe

    results = vantage_probe(items, families=families or ["ipv4"])
    current_app.send_task("mirrors.vantage_record", args=(vantage, results), queue=reply_queue)
    return len(results)


@shared_task(name="mirrors.vantage_record", ignore_result=True)
def vantage_record_task(vantage: str, results: list) -> int:
    from .services.vantage import vantage_results_record

    return vantage_results_record(vantage=vantage, results=results)


HEALTH_LOCK_KEY = "mirrors:health:round-running"


@shared_task(name="mirrors.health_round", ignore_result=True)
def health_round() -> int | None:
    """One round of the health loop (apps.mirrors.services.health); skipped when switched
    off or while the previous round still runs (a cache lock; with the cache down, it
    runs). Not retried: the next round comes within a minute."""
    from django.core.cache import cache

    if not settings.MIRROR_HEALTH_ENABLED:
        return None
    interval = settings.MIRROR_HEALTH_INTERVAL_SECONDS
    try:
        locked = cache.add(HEALTH_LOCK_KEY, 1, timeout=max(1, int(interval * 2)))
    except Exception as exc:  # noqa: BLE001
        logger.warning("cache unavailable for the health round lock: %s", exc)
        locked = None
    if locked is False:
        logger.info("A health round is still running; this one is skipped.")
        return None
    try:
        return services.health_round().mirrors
    finally:
        if locked:
            try:
                cache.delete(HEALTH_LOCK_KEY)
            except Exception as exc:  # noqa: BLE001
                logger.warning("could not release the health round lock: %s", exc)


@shared_task(name="mirrors.staged_open", ignore_result=True)
def staged_open() -> list[str]:
    """Open the staged releases that are due (their time, or their share of mirrors)."""
    from .services.staging import rollout_samples_record, staged_releases_open_due

    rollout_samples_record()
    return staged_releases_open_due()


@shared_task(name="mirrors.candidate_images_read", ignore_result=True)
def candidate_images_read(candidate_id: int) -> list[str]:
    """Read a new release candidate's images from the master."""
    from .services.candidates import candidate_images_read as read

    return read(candidate_id=candidate_id)


@shared_task(name="mirrors.vantage_content", ignore_result=True)
def vantage_content_task(vantage: str, plans: list, reply_queue: str | None = None) -> int:
    """On a vantage point (no database): a chunk's repository probes, then what each answer
    held back to the portal's workers (`reply_queue`, else the default queue)."""
    from celery import current_app

    from .services.vantage_content import vantage_content_probe

    results = vantage_content_probe(plans)
    current_app.send_task("mirrors.vantage_content_record", args=(vantage, results),
                          queue=reply_queue)  # fmt: skip
    return len(results)


@shared_task(name="mirrors.vantage_content_record", ignore_result=True)
def vantage_content_record_task(vantage: str, results: list) -> int:
    from .services.vantage_content import vantage_content_record

    return vantage_content_record(vantage=vantage, results=results)
