"""Redis, the broker, stops and starts under a real Celery worker (another process): the
worker rides out the outage and runs what is sent once Redis is back.

A private redis-server (apps.core.testing.redis_server) is the one stopped: the shared one
serves the other tests. Needs PostgreSQL, as test_celery_worker.py explains."""

import time
import uuid

import pytest
from celery import Celery

from apps.core.testing.services import database_url
from apps.core.testing.worker import celery_worker
from apps.delivery.models import Snapshot


def wait_for(condition, *, seconds: float, worker) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        assert worker.alive(), "the worker died:\n" + worker.process.stdout.read()[-3000:]
        time.sleep(0.2)
    return False


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_worker_outlives_a_redis_outage_with_a_task_waiting(private_redis):
    url = database_url()
    queue = f"outage-{uuid.uuid4().hex[:8]}"
    broker = private_redis.url(3)
    with celery_worker(queue=queue, broker=broker, database_url=url) as worker:
        producer = Celery("outage-test", broker=broker, set_as_current=False)
        producer.send_task("delivery.snapshot_publish", kwargs={"reason": "ready"}, queue=queue)
        assert wait_for(
            lambda: Snapshot.objects.filter(reason="ready").exists(), seconds=60, worker=worker
        )
        # A task that waits for its countdown is held unacknowledged by the worker: what
        # kombu 5.7 failed to put back when the connection broke ("'NoneType' object has no
        # attribute 'hostname'", and the worker stopped for good).
        producer.send_task(
            "delivery.snapshot_publish", kwargs={"reason": "later"}, queue=queue, countdown=60
        )
        time.sleep(1)  # received and held
        private_redis.stop()
        time.sleep(4)  # the consumer notices, closes its connection, retries
        assert worker.alive()
        private_redis.start()
        producer = Celery("outage-test", broker=broker, set_as_current=False)
        producer.send_task("delivery.snapshot_publish", kwargs={"reason": "after"}, queue=queue)
        published = wait_for(
            lambda: Snapshot.objects.filter(reason="after").exists(), seconds=60, worker=worker
        )
    assert published, worker.log[-3000:]
    assert "Unrecoverable error" not in worker.log
