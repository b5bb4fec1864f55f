"""Content checks from several places, with real Celery workers and Redis: two vantage
points (each a worker on its own queue, probing from its own 127.0.0.x address, no
database of its own) and the portal's worker that records what they saw, against the
farm, where some mirrors serve old metadata, or ISO images of the wrong size or with
altered bytes, to some addresses only. A repository's (an image's) state is the
majority's of this place and the vantage points, taken again when their verdicts arrive
after the chunk was recorded, in the same sweep; each check names where it was made from;
the page says where the content looked wrong.

Skipped on SQLite (the workers cannot see its in-memory test database: run it with
DATABASE_URL=postgres://...) and, unless REQUIRE_SERVICES is set, without Redis."""

from __future__ import annotations

import time
import uuid

import pytest
from django.urls import reverse

from apps.core.testing.mirrorfarm import Behaviour, MirrorFarm
from apps.core.testing.worker import celery_worker
from apps.mirrors import services
from apps.mirrors.choices import CheckKind, ContentState, ImageState, MirrorStatus
from apps.mirrors.models import (
    Check,
    MirrorImageState,
    MirrorRepositoryState,
    MirrorVantageState,
    VantagePoint,
)
from portal.celery import app as celery_app

from .factories import MirrorFactory, MirrorURLFactory, master_mirror_create
from .test_celery_worker import REDIS_URL, database_url, redis_required
from .test_vantage_points import use_broker

HERE, EU, ASIA = "127.0.0.55", "127.0.0.66", "127.0.0.77"  # where the probes come from
STALE_FROM = {"plain": (), "asia": (ASIA,), "here": (HERE,), "two": (HERE, ASIA)}
# ISO images served 4096 bytes short, or with 16 bytes altered, to these addresses only
ISO_FROM = {"isoasia": {"wrong_iso_from": (ASIA,)}, "isotwo": {"wrong_iso_from": (HERE, ASIA)},
            "isoparts": {"corrupt_iso_from": (EU, ASIA)}}  # fmt: skip


@pytest.fixture
def farm(master_tree):
    farm = MirrorFarm(master_tree, https=False)
    for name, addresses in STALE_FROM.items():
        farm.add_mirror(name, Behaviour.CURRENT)
        farm.set_behaviour(name, Behaviour.CURRENT, behind_from=addresses)
    for name, options in ISO_FROM.items():
        farm.add_mirror(name, Behaviour.CURRENT)
        farm.set_behaviour(name, Behaviour.CURRENT, **options)
    with farm:
        yield farm


def states(mirror) -> set[str]:
    return set(MirrorRepositoryState.objects.filter(mirror=mirror).values_list("state", flat=True))


def images(mirror) -> set[str]:
    return set(MirrorImageState.objects.filter(mirror=mirror).values_list("state", flat=True))


def majority_seen(mirrors) -> bool:
    """The states the majority gives, once both vantage points' verdicts counted."""
    return (
        states(mirrors["plain"]) == states(mirrors["asia"]) == {ContentState.CURRENT}
        and states(mirrors["here"]) == {ContentState.CURRENT}
        and states(mirrors["two"]) == {ContentState.BEHIND}
        and images(mirrors["isoasia"]) == {ImageState.PRESENT}
        and images(mirrors["isotwo"]) == {ImageState.WRONG_SIZE}
        and images(mirrors["isoparts"]) == {ImageState.INCOMPLETE}
    )


def wait_until(done, worker_logs, what: str) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if done():
            return
        time.sleep(0.3)
    raise AssertionError(f"{what}:\n" + "\n".join(log()[-2000:] for log in worker_logs))


def wait_for_content(points, mirrors, worker_logs) -> None:
    """Until both vantage points' content verdicts of every mirror are recorded."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        done = MirrorVantageState.objects.filter(vantage__in=points, content_at__isnull=False)
        if done.count() == len(points) * len(mirrors):
            return
        time.sleep(0.3)
    raise AssertionError("no verdicts in time:\n" + "\n".join(log()[-2000:] for log in worker_logs))


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_content_checked_from_vantage_points_decides_by_majority_and_says_where(
    farm, master_catalogue, settings, client
):
    redis_required()
    url = database_url()
    tag = uuid.uuid4().hex[:6]
    reply = f"portal-{tag}"
    settings.MIRROR_CHECK_ALLOW_NETWORKS = ["127.0.0.0/8"]
    settings.MIRROR_CHECK_SOURCE_ADDRESS = HERE
    settings.MIRROR_CHECK_TIMEOUT = settings.MIRROR_CHECK_CONNECT_TIMEOUT = 2.0
    settings.MIRROR_VANTAGE_REPLY_QUEUE = reply
    settings.MIRROR_CHECK_IMAGE_RANGES = 100  # one range, all of each image (test_image_parts)
    settings.MIRROR_CHECK_IMAGE_RANGE_BYTES = 1 << 20
    settings.MIRROR_CHECK_IMAGE_FULL_RATE = 0.0
    master_mirror_create(farm.master.base_url)
    mirrors = {}
    for name in (*STALE_FROM, *ISO_FROM):
        mirrors[name] = MirrorFactory(name=f"{name}.farm.test", status=MirrorStatus.UP)
        MirrorURLFactory(mirror=mirrors[name], url=farm[name].base_url)
    points = [
        VantagePoint.objects.create(name=f"eu{tag}", region="Europe", families=["ipv4"],
                                    source_address=EU),
        VantagePoint.objects.create(name=f"asia{tag}", region="Asia", families=["ipv4"],
                                    source_address=ASIA),
    ]  # fmt: skip
    common = {"MIRROR_CHECK_ALLOW_NETWORKS": "127.0.0.0/8", "MIRROR_CHECK_TIMEOUT": "2",
              "MIRROR_CHECK_CONNECT_TIMEOUT": "2", "EMAIL_URL": "memorymail://"}  # fmt: skip
    before = celery_app.conf.broker_url
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
            # The first sweep sends the chunk's repository and image probes to both vantage
            # points; with no verdict of theirs yet, this place's alone decides.
            services.sweep_run(mirror_ids=[m.pk for m in mirrors.values()])
            assert states(mirrors["here"]) == states(mirrors["two"]) == {ContentState.BEHIND}
            assert images(mirrors["isotwo"]) == {ImageState.WRONG_SIZE}
            assert images(mirrors["isoparts"]) == {ImageState.PRESENT}
            wait_for_content(points, mirrors, logs)
            # Their verdicts arrive after the chunk was recorded: the vote is taken again
            # as each arrives, in this same sweep.
            wait_until(lambda: majority_seen(mirrors), logs, "no majority after the verdicts")
            # The next sweep counts them as well, and keeps the same states.
            services.sweep_run(mirror_ids=[m.pk for m in mirrors.values()])
            assert majority_seen(mirrors)
    finally:
        use_broker(before)

    # asia: current here and from Europe, behind from Asia (2 to 1): current.
    # here: behind here only (1 to 2): current. two: behind here and from Asia: behind.
    assert states(mirrors["plain"]) == states(mirrors["asia"]) == {ContentState.CURRENT}
    assert states(mirrors["here"]) == {ContentState.CURRENT}
    assert states(mirrors["two"]) == {ContentState.BEHIND}
    verdicts = dict(
        MirrorVantageState.objects.filter(mirror=mirrors["asia"]).values_list(
            "vantage__region", "content"
        )
    )
    assert {s for s, _lag, _detail in verdicts["Asia"].values()} == {ContentState.BEHIND}
    assert {s for s, _lag, _detail in verdicts["Europe"].values()} == {ContentState.CURRENT}
    assert len(verdicts["Asia"]) == 6  # 3 repositories x 2 architectures

    # Each check says where it was made from: blank for this place, else the point's name.
    made_from = set(Check.objects.filter(mirror=mirrors["asia"]).values_list("vantage", flat=True))
    assert made_from == {"", points[0].name, points[1].name}
    asked = Check.objects.filter(mirror=mirrors["asia"], vantage=points[1].name, kind="repomd")
    # (6 a sweep: the second sweep's may be recorded already)
    assert len({c.url for c in asked}) == 6 and all(c.ok for c in asked)

    page = client.get(reverse("mirrors:detail", args=[mirrors["asia"].pk])).content.decode()
    assert "Repository 5.0 os x86_64 behind as seen from Asia" in page
    assert "as seen from Europe" not in page
    page = client.get(reverse("mirrors:detail", args=[mirrors["here"].pk])).content.decode()
    assert "Repository 5.0 os x86_64 behind as seen from here" in page
    page = client.get(reverse("mirrors:detail", args=[mirrors["two"].pk])).content.decode()
    assert "Repository 5.0 updates i386 current as seen from Europe" in page
    page = client.get(reverse("mirrors:detail", args=[mirrors["plain"].pk])).content.decode()
    assert "as seen from" not in page

    # ISO images: wrong size from Asia only, kept present, the page says where from; wrong
    # from here and Asia, wrong size; altered bytes from Europe and Asia, incomplete.
    page = client.get(reverse("mirrors:detail", args=[mirrors["isoasia"].pk])).content.decode()
    assert "Image CentOS-5.0-x86_64-netinstall.iso wrong size as seen from Asia" in page
    page = client.get(reverse("mirrors:detail", args=[mirrors["isotwo"].pk])).content.decode()
    assert "Image CentOS-5.0-x86_64-netinstall.iso present as seen from Europe" in page
    parts = MirrorImageState.objects.filter(mirror=mirrors["isoparts"])
    assert {p.detail.rpartition(" as seen from ")[2] for p in parts} == {"Asia, Europe"}
    assert all(p.here == [ImageState.PRESENT, ""] for p in parts)
    asked = Check.objects.filter(mirror=mirrors["isoparts"], kind=CheckKind.IMAGE_PART)
    assert set(asked.values_list("vantage", flat=True)) == {"", points[0].name, points[1].name}
    # Each point answered: staff see when, and none is silent.
    for point in VantagePoint.objects.all():
        assert point.last_answered_at is not None and not point.silent
