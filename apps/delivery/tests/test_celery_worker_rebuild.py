"""An admin's change reaches the lists through a real Celery worker (another process) and
Redis: the admin disables a mirror, the service queues the rebuild after commit, the worker
publishes, and a delivery worker polling for snapshots stops listing the mirror."""

import time
import uuid

import pytest
from django.urls import reverse

from apps.core.testing.services import REDIS_URL, database_url, redis_required
from apps.core.testing.worker import celery_worker
from apps.delivery.models import Snapshot
from apps.delivery.store import SnapshotStore
from apps.mirrors.models import Mirror
from portal.celery import app as celery_app

from .fixtures import call, new_front


@pytest.fixture
def broker_is_redis(settings):
    """This process queues on Redis, to a queue of this test's own."""
    queue = f"delivery-test-{uuid.uuid4().hex[:8]}"
    saved = celery_app.conf.broker_url, celery_app.conf.task_default_queue
    celery_app.conf.broker_url, celery_app.conf.task_default_queue = REDIS_URL, queue
    celery_app._pool, celery_app.amqp._producer_pool = None, None
    settings.DELIVERY_REBUILD_ON_CHANGE = True
    settings.DELIVERY_REBUILD_DEBOUNCE_SECONDS = 0
    yield queue
    celery_app.conf.broker_url, celery_app.conf.task_default_queue = saved
    celery_app._pool, celery_app.amqp._producer_pool = None, None


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_an_admin_disable_reaches_the_mirrorlist_through_a_real_worker(
    published, broker_is_redis, client, django_user_model
):
    redis_required()
    store = SnapshotStore(poll_seconds=0)
    store.poll_once()
    front = new_front(store)
    query = "release=5&arch=x86_64&repo=os&cc=GB"
    with celery_worker(
        queue=broker_is_redis, broker=REDIS_URL, database_url=database_url()
    ) as worker:
        assert "gb1.example.org" in call(front, "/mirrorlist", query).text
        admin = django_user_model.objects.create_superuser("ops", "ops@example.org", "pw")
        client.force_login(admin)
        pk = Mirror.objects.get(name="gb1.example.org").pk
        response = client.post(
            reverse("admin:mirrors_mirror_changelist"),
            {"action": "disable", "_selected_action": [str(pk)]},
        )
        assert response.status_code == 302
        deadline, text = time.monotonic() + 60, ""
        while time.monotonic() < deadline:
            store.poll_once()
            text = call(front, "/mirrorlist", query).text
            if "gb1.example.org" not in text:
                break
            assert worker.alive(), "the worker died"
            time.sleep(0.2)
    log = worker.log
    assert "gb1.example.org" not in text, log[-3000:]
    newest = Snapshot.objects.newest().first()
    assert "gb1.example.org disabled by ops" in newest.reason
