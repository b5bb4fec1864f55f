"""A maintenance window takes the mirror out of the lists while it is open, and the lists
follow its start and end with no one saving anything: each published snapshot queues a
rebuild (a Celery task with an eta) for the next moment a window opens or closes."""

import datetime as dt
import re
import time

import pytest
from django.core.cache import cache
from django.utils import timezone
from kombu import Connection

from apps.core.testing.services import REDIS_URL, database_url, redis_required
from apps.core.testing.worker import celery_worker
from apps.delivery.services import snapshot_publish
from apps.delivery.store import SnapshotStore
from apps.delivery.tasks import snapshot_publish_now, snapshot_publish_task
from apps.mirrors.models import MaintenanceWindow
from portal.celery import app as celery_app

from .fixtures import call, new_front
from .test_celery_worker_rebuild import broker_is_redis  # noqa: F401  (a fixture)

MIRRORLIST = "/mirrorlist"
GB_OS = "release=5.0&arch=x86_64&repo=os&cc=GB"


def hosts_now(path: str = MIRRORLIST, query: str = GB_OS, *, row=None) -> list[str]:
    store = SnapshotStore(poll_seconds=0)
    store.install(bytes((row or snapshot_publish(reason="test")).blob), write_cache=False)
    answer = call(new_front(store), path, query)
    assert answer.status == 200
    return re.findall(r"https?://([^/<\s]+)/", answer.text)


def window(mirror, starts: dt.datetime, ends: dt.datetime) -> MaintenanceWindow:
    return MaintenanceWindow.objects.create(mirror=mirror, starts_at=starts, ends_at=ends)


def test_a_mirror_in_an_open_window_is_out_of_every_list(network_mirrors):
    gb1 = network_mirrors.mirrors["gb1.example.org"]
    assert "gb1.example.org" in hosts_now()
    now = timezone.now()
    window(gb1, now - dt.timedelta(hours=1), now + dt.timedelta(hours=1))
    assert "gb1.example.org" not in hosts_now()
    assert "gb1.example.org" not in hosts_now("/metalink", "repo=os-5.0&arch=x86_64&cc=GB")
    redirect = call(new_front(_loaded()), "/isoredirect/5.0/isos/x86_64/"
                    "CentOS-5.0-x86_64-bin-DVD.iso", "cc=GB")  # fmt: skip
    assert redirect.status == 302
    assert "gb1.example.org" not in redirect.header("Location")


def _loaded() -> SnapshotStore:
    store = SnapshotStore(poll_seconds=0)
    store.install(bytes(snapshot_publish(reason="test").blob), write_cache=False)
    return store


@pytest.mark.parametrize("hours", [(-3, -1), (1, 3)], ids=["over", "to come"])
def test_a_window_over_or_to_come_leaves_the_mirror_listed(network_mirrors, hours):
    gb1 = network_mirrors.mirrors["gb1.example.org"]
    now = timezone.now()
    window(gb1, now + dt.timedelta(hours=hours[0]), now + dt.timedelta(hours=hours[1]))
    assert "gb1.example.org" in hosts_now()


@pytest.fixture
def broker(settings):
    """Rebuilds are queued on the in-memory broker of the test process; `take()` reads the
    queued task messages as a worker would receive them."""
    settings.DELIVERY_REBUILD_ON_CHANGE = True
    cache.clear()
    with Connection("memory://") as conn:
        queue = conn.SimpleQueue(celery_app.conf.task_default_queue)
        queue.clear()

        def take() -> list:
            found = []
            while True:
                try:
                    message = queue.get(block=False)
                except queue.Empty:
                    return found
                message.ack()
                found.append(message)

        yield take
    cache.clear()


def test_the_lists_follow_a_window_opening_and_closing_on_time(network_mirrors, broker):
    gb1 = network_mirrors.mirrors["gb1.example.org"]
    starts = timezone.now() + dt.timedelta(seconds=1)
    ends = starts + dt.timedelta(seconds=2)
    window(gb1, starts, ends)
    row = snapshot_publish_now(reason="the window was saved")
    assert "gb1.example.org" in hosts_now(row=row)
    # A second build before the window opens queues nothing more.
    snapshot_publish_now(reason="another change")
    queued = broker()
    assert len(queued) == 1
    assert queued[0].headers["task"] == "delivery.snapshot_publish"
    eta = dt.datetime.fromisoformat(queued[0].headers["eta"])
    assert abs((eta - starts).total_seconds() - 1) < 0.01  # just after it opens

    for boundary, expect_listed in ((starts, False), (ends, True)):
        (message,) = queued if boundary is starts else broker()
        time.sleep(max(0.0, (dt.datetime.fromisoformat(message.headers["eta"])
                             - timezone.now()).total_seconds()))  # fmt: skip
        _args, kwargs, _embed = message.decode()
        version = snapshot_publish_task(**kwargs)  # what the worker runs at the eta
        assert version is not None
        assert ("gb1.example.org" in hosts_now()) is expect_listed
    assert broker() == []  # no window left: nothing more is queued


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_opens_and_closes_a_window_on_time(network_mirrors, request):
    """Nobody saves anything after the window: the worker runs the queued builds at its
    start and end, and a delivery worker polling for snapshots follows."""
    redis_required()
    queue = request.getfixturevalue("broker_is_redis")
    gb1 = network_mirrors.mirrors["gb1.example.org"]
    # Far enough ahead for the worker to be up before the window opens.
    starts = timezone.now() + dt.timedelta(seconds=8)
    window(gb1, starts, starts + dt.timedelta(seconds=4))
    snapshot_publish_now(reason="the window was saved")
    store = SnapshotStore(poll_seconds=0)
    front = new_front(store)

    def listed() -> bool:
        store.poll_once()
        return "gb1.example.org" in call(front, "/mirrorlist", GB_OS).text

    assert listed()
    seen = []
    with celery_worker(queue=queue, broker=REDIS_URL,
                       database_url=database_url()) as worker:  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and seen[-2:] != [False, True]:
            now_listed = listed()
            if not seen or seen[-1] != now_listed:
                seen.append(now_listed)
            assert worker.alive(), "the worker died"
            time.sleep(0.2)
    assert seen == [True, False, True], worker.log[-3000:]
