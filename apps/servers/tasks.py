"""Celery entry points of bandwidth: thin, they call apps.servers.services."""

import logging

from celery import shared_task

from .services.traffic import traffic_prune
from .services.traffic_poll import traffic_poll_round

logger = logging.getLogger(__name__)


@shared_task(name="servers.traffic_poll", ignore_result=True)
def traffic_poll() -> int:
    """One SNMP round over every enabled target (every 5 minutes by default)."""
    result = traffic_poll_round()
    if result.failed:
        logger.warning("SNMP round: %s of %s targets failed.", result.failed, result.polled)
    return result.readings


@shared_task(name="servers.traffic_prune", ignore_result=True)
def traffic_prune_old() -> int:
    return traffic_prune()
