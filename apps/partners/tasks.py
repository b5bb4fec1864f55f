"""Celery entry points of the partners app."""

from celery import shared_task

from .services import partners_expiry_run


@shared_task(name="partners.expiry_run")
def expiry_run() -> dict[str, int]:
    """Daily: remind partners whose approval lapses soon, mark the lapsed ones."""
    return partners_expiry_run()
