"""The mirrors app hears the releases app (a new candidate's images are read from the
master, which the mirrors app knows, by a worker) and its own services: what they ask the
workers to do is queued here, so the services never import the tasks."""

import logging

from django.conf import settings
from django.dispatch import receiver

from apps.releases.signals import candidate_added

from .signals import vantage_round_wanted, webhook_deliveries_recorded

logger = logging.getLogger(__name__)


@receiver(candidate_added)
def read_candidate_images(sender, reason: str = "", **kwargs):
    from .tasks import candidate_images_read

    if reason.isdigit():
        candidate_images_read.delay(int(reason))


@receiver(webhook_deliveries_recorded)
def queue_webhook_deliveries(sender, delivery_ids=(), **kwargs):
    from .tasks import webhook_deliver_task

    for pk in delivery_ids:
        try:
            webhook_deliver_task.delay(pk)
        except Exception:  # a broker outage must not undo what was recorded
            logger.exception("Could not queue webhook delivery %s", pk)


@receiver(vantage_round_wanted)
def queue_vantage_rounds(sender, points=(), items=(), **kwargs):
    """Send this round's mirrors to each vantage point's queue; a broker outage costs this
    round's votes only."""
    from .tasks import vantage_round_task

    for point in points:
        try:
            vantage_round_task.apply_async(
                args=(point.name, list(items), settings.MIRROR_VANTAGE_REPLY_QUEUE or None,
                      point.families or ["ipv4"]),
                queue=point.queue, expires=settings.MIRROR_HEALTH_INTERVAL_SECONDS,
            )  # fmt: skip
        except Exception:  # noqa: BLE001
            logger.exception("Could not send the round to vantage point %s", point.name)
