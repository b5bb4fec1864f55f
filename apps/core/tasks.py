"""Celery entry points of the shared pieces: the heartbeat, which also empties the outbox."""

from celery import shared_task

from . import outbox


@shared_task(name="core.heartbeat", ignore_result=True)
def heartbeat() -> int:
    """Beat sends this every WORKER_HEARTBEAT_SECONDS: note that a worker runs tasks (for
    /healthz), and send what waited in the outbox while the broker was down."""
    outbox.worker_heartbeat_record(hostname=heartbeat.request.hostname or "unknown")
    sent = outbox.outbox_send()
    outbox.outbox_prune()
    return sent
