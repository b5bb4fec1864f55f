"""Checks from several places, with real Celery workers and Redis: two vantage points
(each a worker on its own queue, probing from its own 127.0.0.x address, no database of
its own) and the portal's worker that records what they saw, against the farm, where
mirrors refuse some vantage points' addresses. The page says where a mirror is not
reachable from; a mirror failing here is taken out only when most places agree.

Skipped on SQLite (the workers cannot see its in-memory test database: run it with
DATABASE_URL=postgres://...) and, unless REQUIRE_SERVICES is set, without Redis."""

from __future__ import annotations

import time
import uuid

import pytest
from django.urls import reverse

from apps.core.testing.mirrorfarm import Behaviour, MirrorFarm
from apps.core.testing.services import REDIS_URL, database_url, redis_required
from apps.core.testing.worker import celery_worker
from apps.mirrors import services
from apps.mirrors.choices import MirrorStatus
from apps.mirrors.models import Mirror, MirrorVantageState, VantagePoint
from portal.celery import app as celery_app

from .factories import MirrorFactory, MirrorURLFactory, master_mirror_create

HERE, EU, ASIA = "127.0.0.55", "127.0.0.66", "127.0.0.77"  # where the probes come from


@pytest.fixture
def farm(master_tree):
    farm = MirrorFarm(master_tree, https=False)
    for name in ("plain", "picky", "cut", "gone"):
        farm.add_mirror(name, Behaviour.CURRENT)
    farm.set_behaviour("picky", Behaviour.CURRENT, refuse_from=(ASIA,))
    with farm:
        yield farm


def wait_for_votes(points, mirrors, since: float, worker_logs) -> None:
    """Until both vantage points' results of the round sent at `since` are recorded."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        fresh = MirrorVantageState.objects.filter(
            vantage__in=points, checked_at__gte=since_datetime(since)
        ).count()
        if fresh == len(points) * len(mirrors):
            return
        time.sleep(0.2)
    raise AssertionError("no votes in time:\n" + "\n".join(log()[-2000:] for log in worker_logs))


def use_broker(url: str) -> None:
    """The portal's app sends to `url` from now on: its connection and producer pools are
    dropped too, or a pool made by an earlier test keeps sending to that test's broker."""
    celery_app.conf.broker_url = url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def since_datetime(at: float):
    import datetime as dt

    return dt.datetime.fromtimestamp(at, tz=dt.UTC)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_vantage_points_vote_and_the_page_says_where_a_mirror_is_not_reachable_from(
    farm, master_catalogue, settings, client
):
    redis_required()
    url = database_url()
    tag = uuid.uuid4().hex[:6]
    reply = f"portal-{tag}"
    settings.MIRROR_CHECK_ALLOW_NETWORKS = ["127.0.0.0/8"]
    settings.MIRROR_CHECK_SOURCE_ADDRESS = HERE
    settings.MIRROR_HEALTH_TIMEOUT = settings.MIRROR_HEALTH_CONNECT_TIMEOUT = 1.0
    settings.MIRROR_HEALTH_CONFIRM_SECONDS = 0.3
    settings.MIRROR_VANTAGE_REPLY_QUEUE = reply
    master_mirror_create(farm.master.base_url)
    mirrors = {}
    for name in ("plain", "picky", "cut", "gone"):
        mirrors[name] = MirrorFactory(name=f"{name}.farm.test", status=MirrorStatus.UP)
        MirrorURLFactory(mirror=mirrors[name], url=farm[name].base_url)
    points = [
        VantagePoint.objects.create(name=f"eu{tag}", region="Europe", families=["ipv4"],
                                    source_address=EU),
        VantagePoint.objects.create(name=f"asia{tag}", region="Asia", families=["ipv4"],
                                    source_address=ASIA),
    ]  # fmt: skip
    common = {"MIRROR_CHECK_ALLOW_NETWORKS": "127.0.0.0/8", "MIRROR_HEALTH_TIMEOUT": "1",
              "MIRROR_HEALTH_CONNECT_TIMEOUT": "1", "EMAIL_URL": "memorymail://"}  # fmt: skip
    broker = celery_app.conf.broker_url
    use_broker(REDIS_URL)
    try:
        with (
            celery_worker(queue=points[0].queue, broker=REDIS_URL, database_url=url,
                          MIRROR_CHECK_SOURCE_ADDRESS=EU, **common) as eu,
            celery_worker(queue=points[1].queue, broker=REDIS_URL, database_url=url,
                          MIRROR_CHECK_SOURCE_ADDRESS=ASIA, **common) as asia,
            celery_worker(queue=reply, broker=REDIS_URL, database_url=url, **common) as portal,
        ):  # fmt: skip
            logs = [lambda w=w: w.log for w in (eu, asia, portal)]
            started = time.time()
            report = services.health_round()
            assert report.vantage_points == 2 and report.failed == 0
            wait_for_votes(points, mirrors, started, logs)

            # picky refuses Asia's address: reachable here and from Europe, so it stays
            # listed, and its page says where it is not reachable from.
            picky = mirrors["picky"]
            states = dict(
                MirrorVantageState.objects.filter(mirror=picky).values_list(
                    "vantage__region", "reachable"
                )
            )
            assert states == {"Europe": True, "Asia": False}
            page = client.get(reverse("mirrors:detail", args=[picky.pk])).content.decode()
            since = MirrorVantageState.objects.get(mirror=picky, reachable=False).since
            assert f"Not reachable from Asia since {since:%H:%M}" in page
            assert "Not reachable from Europe" not in page

            # cut now refuses this place, gone this place and Asia.
            farm.set_behaviour("cut", Behaviour.CURRENT, refuse_from=(HERE,))
            farm.set_behaviour("gone", Behaviour.CURRENT, refuse_from=(HERE, ASIA))
            started = time.time()
            second = services.health_round()  # the votes may still be the last round's
            assert "cut.farm.test" in second.kept_by_vantage
            wait_for_votes(points, mirrors, started, logs)
            third = services.health_round()
            # cut: failing here, reached from Europe and Asia (2 to 1): kept.
            # gone: failing here and from Asia, reached from Europe (1 to 2): down.
            assert third.kept_by_vantage == ["cut.farm.test"]
            assert second.taken_down + third.taken_down == ["gone.farm.test"]
    finally:
        use_broker(broker)
    status = dict(
        Mirror.objects.filter(pk__in=[m.pk for m in mirrors.values()]).values_list("name", "status")
    )
    assert status == {"plain.farm.test": "up", "picky.farm.test": "up", "cut.farm.test": "up",
                      "gone.farm.test": "down"}  # fmt: skip
