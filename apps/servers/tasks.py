"""Celery entry points of the servers app, thin: the round of service checks, the SNMP
round of bandwidth and the pruning of raw counter samples."""

import logging

from celery import shared_task
from django.conf import settings

from .services.condition_services import service_results_prune, services_run_due
from .services.traffic import traffic_prune
from .services.traffic_poll import traffic_poll_round

logger = logging.getLogger(__name__)


@shared_task(name="servers.service_checks_round", ignore_result=True)
def service_checks_round() -> dict:
    """Run the due service checks (a round expires rather than pile up behind another)."""
    counts = services_run_due()
    counts["pruned"] = service_results_prune() if settings.SERVER_CHECK_HISTORY_DAYS else 0
    return counts


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
