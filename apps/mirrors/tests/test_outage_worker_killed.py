"""A worker killed (SIGKILL) in the middle of a sweep: another worker finishes the sweep,
the killed worker's chunk included (it went back to the queue after the visibility
timeout), and no chunk is counted twice. Real workers, real Redis (a private one), real
mirrors (the farm); needs PostgreSQL, as test_celery_worker.py explains."""

import signal
import time
import uuid

import pytest
from celery import Celery

from apps.core.testing.services import database_url
from apps.core.testing.worker import celery_worker
from apps.mirrors.choices import SweepState
from apps.mirrors.models import Sweep

WORKER_SETTINGS = {
    "MIRROR_CHECK_TIMEOUT": "1", "MIRROR_CHECK_CONNECT_TIMEOUT": "1",
    "MIRROR_CHECK_ALLOW_NETWORKS": "127.0.0.0/8", "MIRROR_CHECK_CHUNK_SIZE": "2",
    "EMAIL_URL": "memorymail://", "CELERY_VISIBILITY_TIMEOUT": "3",
    "DELIVERY_REBUILD_ON_CHANGE": "False",  # the sweep alone: no snapshot builds between
}  # fmt: skip


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_sweep_survives_a_worker_killed_in_its_middle(farm_mirrors, private_redis):
    url, broker = database_url(), private_redis.url(3)
    queue = f"killed-{uuid.uuid4().hex[:8]}"
    with celery_worker(queue=queue, broker=broker, database_url=url, **WORKER_SETTINGS) as first:
        # Not the current app: the shared tasks of later tests would send to this broker.
        producer = Celery("killed-test", broker=broker, set_as_current=False)
        producer.send_task("mirrors.sweep_start", queue=queue)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            sweep = Sweep.objects.first()
            if sweep is not None and sweep.chunks_done >= 1:
                break
            assert first.alive(), "the first worker died on its own"
            time.sleep(0.05)
        assert sweep is not None and sweep.state == SweepState.RUNNING, "too late to kill"
        first.process.send_signal(signal.SIGKILL)
        first.process.wait(10)
    killed_at = Sweep.objects.get().chunks_done
    with celery_worker(queue=queue, broker=broker, database_url=url, **WORKER_SETTINGS) as second:
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline:
            if Sweep.objects.get().state != SweepState.RUNNING:
                break
            assert second.alive(), "the second worker died"
            time.sleep(0.3)
    sweep = Sweep.objects.get()
    chunks = second.log.count("mirrors.sweep_chunk[")
    assert sweep.state == SweepState.FINISHED, (killed_at, chunks, second.log[-6000:])
    # 12 mirrors (the farm's behaviours but the blackhole, missing_package and
    # truncated_package included since the content samples), 2 a chunk.
    assert (sweep.chunks_total, sweep.chunks_done) == (6, 6), (killed_at, second.log[-6000:])
    assert sweep.mirrors_checked == 12
    assert chunks == 2 * (6 - killed_at)  # each received and done once
