"""Fixtures shared by the whole suite: the master tree and the farm of real mirror servers,
and the demo world loaded once for the tests that ask for `demo` (apps/demo/testing.py)."""

import pytest

pytest_plugins = [
    "apps.core.testing.fixtures",
    "apps.core.testing.redis_server",
    "apps.demo.testing",
    "apps.delivery.tests.fixtures",
    "apps.mirrors.tests.fixtures",
]


@pytest.fixture(scope="session", autouse=True)
def _tasks_stay_in_the_test_process():
    """Tasks sent by tests go to an in-memory broker, never to the developer's queue
    (the test that runs a real worker brings its own Redis broker)."""
    from portal.celery import app

    app.conf.broker_url = "memory://"
    app.conf.broker_transport_options = {}


@pytest.fixture(autouse=True)
def _tasks_back_in_memory():
    """A test that points this process at a real broker (a private Redis it stops and starts)
    must not leave the next test on the same worker sending to it: the next test's tasks
    would wait in the outbox instead of running."""
    yield
    from portal.celery import app

    if app.conf.broker_url != "memory://" or app.conf.task_always_eager:
        app.conf.broker_url = "memory://"
        app.conf.broker_transport_options = {}
        app.conf.task_always_eager = False
        app._pool, app.amqp._producer_pool = None, None


@pytest.fixture
def eager_rebuilds(settings):
    """Snapshot rebuilds queued after commit (and any other task) run at once, in this
    process, as a worker would; no rebuild is left pending before or after."""
    from django.core.cache import cache

    from apps.core.testing.fixtures import tasks_eager
    from apps.delivery.tasks import REBUILD_PENDING_KEY

    settings.DELIVERY_REBUILD_ON_CHANGE = True
    settings.DELIVERY_REBUILD_DEBOUNCE_SECONDS = 0
    cache.delete(REBUILD_PENDING_KEY)
    with tasks_eager():
        yield
    cache.delete(REBUILD_PENDING_KEY)


@pytest.fixture(autouse=True)
def _no_queued_snapshot_rebuilds(settings):
    """Saving a mirror schedules a snapshot rebuild on the broker; tests that want one ask."""
    settings.DELIVERY_REBUILD_ON_CHANGE = False
    # A whole ISO image is asked at random (one content check in 200): a test counting the
    # checks of a sweep would count one more now and then. The tests of it ask for it.
    settings.MIRROR_CHECK_IMAGE_FULL_RATE = 0.0


@pytest.fixture(autouse=True)
def _no_cache_outage_remembered():
    """A test that takes the cache down leaves the API's throttles remembering the outage (and
    letting requests through) for a while: forget it, so the next test on the same worker
    sees throttles that count."""
    yield
    from apps.core.api import cache_outage

    cache_outage.since, cache_outage.retry_at = None, 0.0
