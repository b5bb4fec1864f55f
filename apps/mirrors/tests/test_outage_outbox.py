"""Work asked for while Redis (the broker) is down: recorded, run once it is back, once.

A volunteer registers a mirror and asks the API for its check while a private Redis is
stopped; the page says the check is recorded, not started. Redis comes back, a real worker
runs the heartbeat (as beat sends it every minute): the first check runs, once, however
many heartbeats follow. Needs PostgreSQL, as test_celery_worker.py explains."""

import time
import uuid

import pytest
from celery import Celery
from django.urls import reverse

from apps.core.models import QueuedTask, WorkerHeartbeat
from apps.core.testing.services import database_url
from apps.core.testing.worker import celery_worker
from apps.mirrors.models import Check, Mirror
from portal.celery import app as celery_app

from .test_registration import form_data


@pytest.fixture
def broker(private_redis):
    """This process sends its tasks to the private Redis, giving up after 1 s when it is down."""
    saved = (
        celery_app.conf.broker_url,
        celery_app.conf.broker_connection_timeout,
        celery_app.conf.task_default_queue,
    )
    queue = f"outbox-{uuid.uuid4().hex[:8]}"
    celery_app.conf.broker_url = private_redis.url(3)
    celery_app.conf.broker_connection_timeout = 1
    celery_app.conf.task_default_queue = queue
    celery_app._pool, celery_app.amqp._producer_pool = None, None
    yield private_redis, queue
    celery_app.conf.broker_url, celery_app.conf.broker_connection_timeout = saved[:2]
    celery_app.conf.task_default_queue = saved[2]
    celery_app._pool, celery_app.amqp._producer_pool = None, None


def first_checks(mirror) -> int:
    return Check.objects.filter(mirror=mirror, sweep=None).count()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_first_check_asked_for_during_an_outage_runs_once_after_it(client, broker, settings):
    redis, queue = broker
    url = database_url()
    user = Mirror._meta.get_field("owner").related_model.objects.create_user(
        "vol", "vol@example.org", "a-long-password-1"
    )
    client.force_login(user)
    redis.stop()
    started = time.monotonic()
    page = client.post(
        reverse("mirrors:register"), form_data(url_http="http://127.0.0.1:9/centos/"), follow=True
    )
    assert time.monotonic() - started < 10  # the broker's timeout, not a hang
    text = page.content.decode()
    assert "Its first check is recorded and starts as soon as the task queue is back" in text
    assert "Its first check has started" not in text
    mirror = Mirror.objects.get()
    answer = client.post(f"/api/v1/mirrors/{mirror.pk}/check/")
    assert answer.status_code == 202
    waiting = QueuedTask.objects.filter(sent_at__isnull=True)
    assert list(waiting.values_list("name", flat=True)) == ["mirrors.mirror_check_first"]
    assert waiting.get().attempts >= 1  # tried, refused, kept

    redis.start()
    with celery_worker(
        queue=queue, broker=redis.url(3), database_url=url,
        MIRROR_CHECK_ALLOW_NETWORKS="127.0.0.0/8", MIRROR_CHECK_TIMEOUT="2",
    ) as worker:  # fmt: skip
        producer = Celery("outbox-test", broker=redis.url(3), set_as_current=False)
        for _ in range(2):  # beat's heartbeats, one a minute
            producer.send_task("core.heartbeat", queue=queue)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not first_checks(mirror):
            assert worker.alive()
            time.sleep(0.3)
        ran = first_checks(mirror)
        producer.send_task("core.heartbeat", queue=queue)
        time.sleep(3)
    assert ran, worker.log[-3000:]
    assert first_checks(mirror) == ran  # once, not once per heartbeat
    assert not QueuedTask.objects.filter(sent_at__isnull=True).exists()
    assert WorkerHeartbeat.objects.exists()
    assert worker.log.count("mirrors.mirror_check_first[") == 2  # received, succeeded
