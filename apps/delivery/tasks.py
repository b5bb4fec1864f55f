"""Celery entry points of the delivery app."""

from celery import shared_task
from django.core.cache import cache

from . import services


@shared_task(ignore_result=True)
def snapshot_publish_task(reason: str = "", requested_at: float | None = None) -> int | None:
    # Cleared first: changes made while this build runs schedule the next one.
    cache.delete(services.REBUILD_PENDING_KEY)
    if requested_at is not None and services.snapshot_published_since(requested_at):
        return None  # a backlog of requests (say, after a broker outage) makes one build
    return services.snapshot_publish(reason=reason).version


@shared_task(ignore_result=True, autoretry_for=(OSError,), retry_backoff=60, max_retries=3)
def image_torrent_build_task(image_id: int) -> None:
    services.image_torrent_build(image_id=image_id)


@shared_task(ignore_result=True)
def torrents_build_missing_task() -> int:
    """Queue a torrent build for every image that has none (schedule it in beat)."""
    from apps.releases.models import Image

    ids = list(Image.objects.filter(torrent__isnull=True).values_list("id", flat=True))
    for image_id in ids:
        image_torrent_build_task.delay(image_id)
    return len(ids)
