"""The periodic task that opens staged releases, run as in production: `setupschedule`'s
entry in django-celery-beat's table, Celery beat sending it every second through Redis, a
real worker (another process) running it on the PostgreSQL test database. 5.1 waits for 60%
of the mirrors and stays staged at 40% (the task ran: it sampled the rollout); at the third
mirror of five it opens. 5.2 waits for its time and opens after it, not before. The worker
then publishes a snapshot, and a delivery worker polling for snapshots lists 5.1."""

import datetime as dt
import time
import uuid

import pytest
from django.utils import timezone

from apps.core.schedule import schedule_setup
from apps.core.testing.worker import celery_worker
from apps.delivery.store import SnapshotStore
from apps.delivery.tests.fixtures import call, new_front
from apps.mirrors.models import RolloutSample
from apps.mirrors.tests.test_celery_worker import REDIS_URL, database_url, redis_required
from apps.releases.choices import ReleaseStatus, Team
from apps.releases.models import Release, ReleaseEvent
from apps.releases.services import release_stage

from .factories import ReleaseFactory, RepositoryVersionFactory, team_member
from .test_lifecycle_story import LIST_51, holds, world  # noqa: F401  (world is a fixture)


def wait_for(check, worker, seconds: float = 60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := check():
            return found
        assert worker.alive(), "the worker died:\n" + worker.log[-3000:]
        time.sleep(0.2)
    return None


def status(version: str) -> str:
    return Release.objects.get(version=version).status


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_beat_and_a_real_worker_open_staged_releases(world, settings):  # noqa: F811
    redis_required()
    url = database_url()
    settings.DELIVERY_REBUILD_ON_CHANGE = False  # this process queues nothing; the worker does
    settings.RELEASE_STAGING_CHECK_SECONDS = 1
    schedule_setup(enabled=False)  # the checks' tasks off; the staged releases' one is on
    releng, _key = team_member("rel", Team.RELEASE_ENGINEERING)
    by_share = Release.objects.get(version="5.1")
    by_time = ReleaseFactory(version="5.2", major=5, minor=2, status=ReleaseStatus.GO)
    by_time.architectures.set(by_share.architectures.all())
    by_time.repositories.set(by_share.repositories.all())
    for arch in by_time.architectures.all():
        for repo in by_time.repositories.all():
            RepositoryVersionFactory(release=by_time, repository=repo, architecture=arch)
    Release.objects.filter(pk=by_share.pk).update(status=ReleaseStatus.GO)
    release_stage(release=by_share, by=releng, share=60)
    holds(world[0], by_share)
    holds(world[1], by_share)
    store = SnapshotStore(poll_seconds=0)
    queue = f"staged-open-test-{uuid.uuid4().hex[:8]}"
    with celery_worker(queue=queue, broker=REDIS_URL, database_url=url, beat=True,
                       EMAIL_URL="memorymail://", DELIVERY_REBUILD_DEBOUNCE_SECONDS="0",
                       ) as worker:  # fmt: skip
        opens_at = timezone.now() + dt.timedelta(seconds=10)
        release_stage(release=by_time, by=releng, opens_at=opens_at)
        # The task ran (it samples the rollout of staged releases) and left 5.1 at 40%.
        sampled = wait_for(lambda: RolloutSample.objects.filter(release=by_share).first(), worker)
        assert sampled is not None, worker.log[-3000:]
        assert (sampled.held, sampled.total) == (2, 5)
        assert (status("5.1"), status("5.2")) == ("staged", "staged")

        holds(world[2], by_share)  # three of five: 60%
        assert wait_for(lambda: status("5.1") == "current", worker, 30), worker.log[-3000:]
        assert status("5.2") == "staged" and timezone.now() < opens_at

        assert wait_for(lambda: status("5.2") == "current", worker, 40), worker.log[-3000:]

        def lists_51():
            store.poll_once()
            return store.snapshot is not None and call(new_front(store), "/mirrorlist",
                                                      LIST_51).status == 200  # fmt: skip

        assert wait_for(lists_51, worker, 30), worker.log[-3000:]
    opened = {e.release.version: e for e in ReleaseEvent.objects.filter(status="current")}
    assert opened["5.1"].by is None
    assert opened["5.1"].note.startswith("opened at 60% of the mirrors (3 of 5")
    assert opened["5.2"].at >= opens_at
    assert opened["5.2"].note == f"opened at its time, {opens_at:%Y-%m-%d %H:%M} UTC"
    listed = call(new_front(store), "/mirrorlist", LIST_51).text.split()
    assert sorted(listed[:3]) == [
        f"http://m{n}.example.org/centos/5.1/os/x86_64/" for n in range(3)
    ]
    assert "mirrors.staged_open" in worker.log
