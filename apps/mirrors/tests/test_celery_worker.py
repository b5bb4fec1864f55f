"""A real sweep through a real Celery worker (another process) and Redis.

Skipped only where Redis is unreachable and REQUIRE_SERVICES is unset (CI sets it, so
there it fails instead); skipped on SQLite, whose in-memory test database another process
cannot see (CI runs the suite on PostgreSQL).
"""

import time
import uuid
from pathlib import Path

import pytest
from celery import Celery

from apps.core.testing.services import REDIS_URL, database_url, redis_required
from apps.core.testing.worker import celery_worker
from apps.mirrors.choices import ContentState, MirrorStatus, SweepState
from apps.mirrors.models import MirrorRepositoryState, Sweep

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_celery_worker_runs_a_whole_sweep_in_chunks(farm_mirrors, mirror_farm):
    redis_required()
    url = database_url()
    queue = f"mirror-checks-test-{uuid.uuid4().hex[:8]}"
    with celery_worker(
        queue=queue, broker=REDIS_URL, database_url=url,
        MIRROR_CHECK_TIMEOUT="1", MIRROR_CHECK_CONNECT_TIMEOUT="1",
        MIRROR_CHECK_ALLOW_NETWORKS="127.0.0.0/8", MIRROR_CHECK_CHUNK_SIZE="4",
        EMAIL_URL="memorymail://",
    ) as worker:  # fmt: skip
        # Not the current app, which the shared tasks (.delay) of later tests go through.
        producer = Celery("mirror-checks-test", broker=REDIS_URL, set_as_current=False)
        producer.send_task("mirrors.sweep_start", queue=queue)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            sweep = Sweep.objects.first()
            if sweep and sweep.state != SweepState.RUNNING:
                break
            assert worker.alive(), "the worker died"
            time.sleep(0.3)
    log = worker.log
    sweep = Sweep.objects.get()
    assert sweep.state == SweepState.FINISHED, log[-3000:]
    # 12 mirrors (one per farm behaviour but the blackhole: the content samples added
    # missing_package and truncated_package, both reachable), 4 a chunk.
    assert (sweep.chunks_total, sweep.chunks_done) == (3, 3)
    assert (sweep.mirrors_checked, sweep.mirrors_failed) == (12, 5)  # slow is too slow at 1 s
    current, behind = farm_mirrors["current"], farm_mirrors["behind"]
    current.refresh_from_db()
    assert current.status == MirrorStatus.UP
    states = MirrorRepositoryState.objects.filter(mirror__in=[current, behind])
    assert set(states.filter(mirror=current).values_list("state", flat=True)) == {
        ContentState.CURRENT
    }
    assert set(states.filter(mirror=behind).values_list("state", flat=True)) == {
        ContentState.BEHIND
    }
