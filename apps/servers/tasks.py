"""Celery entry points of the servers app: the round of service checks beat starts."""

from celery import shared_task
from django.conf import settings

from .services.health_services import service_results_prune, services_run_due


@shared_task(name="servers.checks_round", ignore_result=True)
def checks_round() -> dict:
    """Run the due service checks (a round expires rather than pile up behind another)."""
    counts = services_run_due()
    counts["pruned"] = service_results_prune() if settings.SERVER_CHECK_HISTORY_DAYS else 0
    return counts
