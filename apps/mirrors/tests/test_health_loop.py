"""The health loop against the real mirror farm: a mirror that stops answering leaves every
list within the round (its failure confirmed by a second probe), one that comes back is
listed again only after a content check, mirrors in maintenance and private addresses are
left alone, a push on the master is seen within a round, and a round costs the same few
queries for 3 mirrors as for 30 (a mirror that finishes a sync: test_health_sync.py;
the confirmation itself: test_health_confirm.py)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from apps.core.http import SafeClient
from apps.core.testing.mirrorfarm import Behaviour
from apps.mirrors import services, tasks
from apps.mirrors.choices import CheckKind, ContentState, MirrorStatus
from apps.mirrors.models import Check, MaintenanceWindow, Mirror, MirrorRepositoryState
from apps.mirrors.services import queueing
from apps.releases.models import RepositoryVersion

from .factories import MirrorFactory, MirrorURLFactory
from .fixtures import listed, run, sweep

pytestmark = [pytest.mark.django_db]


@pytest.mark.parametrize("behaviour", [Behaviour.REFUSED, Behaviour.BLACKHOLE, Behaviour.HANG])
def test_a_mirror_that_stops_answering_leaves_every_list_within_the_round(
    network, farm, live, behaviour, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    gone, stays = network["one"], network["two"]
    sweep(capture)
    assert listed(live, gone) == (True, True) and listed(live, stays) == (True, True)
    assert run(capture).failed == 0  # all well: no check rows, no status change
    assert not Check.objects.filter(kind=CheckKind.HEALTH).exists()

    farm.set_behaviour("one", behaviour)
    rounds = 0
    while listed(live, gone) != (False, False):
        assert rounds < 5, "still listed after 5 health rounds"
        report = run(capture)
        rounds += 1
        assert report.failed == 1 and report.mirrors == 3
    print(f"\n{behaviour.name}: out of every list after {rounds} health rounds")
    assert rounds == 1  # the failure confirmed in the round by a second probe

    gone.refresh_from_db()
    assert gone.status == MirrorStatus.DOWN and gone.health_failures == 2
    assert gone.consecutive_successes == 0 and gone.status_since is not None
    why = Check.objects.get(mirror=gone, kind=CheckKind.HEALTH)  # only the transition's
    assert why.error == ("refused" if behaviour is Behaviour.REFUSED else "timeout")
    if behaviour is Behaviour.BLACKHOLE:  # no connection: the connect timeout
        assert "connect" in why.detail.lower() or "connection" in why.detail.lower()
    assert why.url == gone.urls.get().url + "TIME"
    assert listed(live, stays) == (True, True)
    (email,) = mail.outbox
    assert email.subject == "[CentOS mirrors] Mirror one.farm.test is down"
    assert email.to == [gone.contact_email] and "2 times in a row" in email.body

    # Back: the health probes alone do not list it; the content check they queue does.
    farm.set_behaviour("one", Behaviour.CURRENT)
    back = 0
    while listed(live, gone) != (True, True):
        assert back < 5, "not listed again after 5 health rounds"
        report = run(capture)
        back += 1
        gone.refresh_from_db()
        rechecked = Check.objects.filter(mirror=gone, sweep=None, kind=CheckKind.REPOMD)
        assert (gone.status == MirrorStatus.UP) == rechecked.exists()
    print(f"{behaviour.name}: listed again after {back} health rounds (the re-check in the last)")
    assert back == 1 and report.rechecks_queued == ["one.farm.test"]
    assert gone.recheck_requested_at is not None
    assert [m.subject for m in mail.outbox][
        -1
    ] == "[CentOS mirrors] Mirror one.farm.test is up again"


def test_a_mirror_back_with_an_emptied_tree_is_not_listed_for_what_it_lost(
    network, farm, live, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    mirror = network["one"]
    sweep(capture)
    farm.set_behaviour("one", Behaviour.REFUSED)
    for _ in range(2):
        run(capture)
    farm.set_behaviour("one", Behaviour.MISSING_REPO, repo="os")  # TIME answers, os is gone
    for _ in range(3):
        run(capture)
    mirror.refresh_from_db()
    assert mirror.status == MirrorStatus.UP  # the content check found it reachable
    states = MirrorRepositoryState.objects.filter(mirror=mirror, repository__name="os")
    assert set(states.values_list("state", flat=True)) == {ContentState.MISSING}
    assert listed(live, mirror) == (False, False)
    # One content check, not one per good round.
    assert Check.objects.filter(mirror=mirror, sweep=None, kind=CheckKind.TIMESTAMP).count() == 1


def test_a_down_mirror_is_rechecked_at_most_every_recheck_min_seconds(
    network, farm, health_settings, monkeypatch
):
    mirror = network["one"]
    Mirror.objects.filter(pk=mirror.pk).update(status=MirrorStatus.DOWN, health_successes=5)
    queued = []
    monkeypatch.setattr(  # (a push found by the master watch queues its own)
        queueing,
        "recheck_queue",
        lambda ids, *, reason, **kw: queued.append((list(ids), reason)),
    )
    now = timezone.now()
    for minutes in (0, 1, 4, 6):
        services.health_round(now=now + dt.timedelta(minutes=minutes))
    ours = [call for call in queued if call[1] == "back after health failures"]
    assert ours == [([mirror.pk], "back after health failures")] * 2  # at 0 and 6 minutes
    mirror.refresh_from_db()
    assert mirror.consecutive_successes == 1  # one good content check brings it up
    assert mirror.status == MirrorStatus.DOWN  # not listed by the health probes


def test_a_mirror_in_maintenance_is_not_probed_nor_counted_as_failing(
    network, farm, health_settings
):
    Mirror.objects.update(status=MirrorStatus.UP)
    resting, hung = network["one"], network["two"]
    farm.set_behaviour("two", Behaviour.REFUSED)
    now = timezone.now()
    for mirror in (resting, hung):
        MaintenanceWindow.objects.create(
            mirror=mirror,
            starts_at=now - dt.timedelta(hours=1),
            ends_at=now + dt.timedelta(hours=1),
        )
    before = sum(farm["one"].requests.values())
    for _ in range(3):
        report = services.health_round()
        assert (report.mirrors, report.failed, report.taken_down) == (1, 0, [])
    assert sum(farm["one"].requests.values()) == before
    assert farm["three"].requests["/centos/TIME"] == 3
    for mirror in (resting, hung):
        mirror.refresh_from_db()
        assert (mirror.status, mirror.health_failures, mirror.health_checked_at) == (
            MirrorStatus.UP, 0, None
        )  # fmt: skip


def test_a_private_address_is_never_requested_and_counts_as_a_failure(
    network, farm, health_settings, monkeypatch
):
    Mirror.objects.update(status=MirrorStatus.UP)
    literal = MirrorFactory(name="ten.example.org")
    MirrorURLFactory(mirror=literal, url="http://10.0.0.1/centos/")
    named = MirrorFactory(name="named.example.org")
    MirrorURLFactory(mirror=named, url="http://private.example.org/centos/")
    health_settings.MIRROR_CHECK_RESOLVER = lambda host, port: (
        ["192.168.1.7"] if host == "private.example.org" else farm.resolve(host, port)
    )
    asked = []
    request = SafeClient._request

    async def spy(self, session, driver, transfer, target, addresses, *args):
        asked.extend(addresses)
        return await request(self, session, driver, transfer, target, addresses, *args)

    monkeypatch.setattr(SafeClient, "_request", spy)
    report = services.health_round()
    assert report.failed == 2 and report.mirrors == 5
    # Confirmed by a second probe (no request either): out in the first round.
    assert sorted(report.taken_down) == ["named.example.org", "ten.example.org"]
    assert not {"10.0.0.1", "192.168.1.7"} & set(asked)
    assert farm["one"].address in asked
    literal.refresh_from_db()
    named.refresh_from_db()
    assert literal.health_failures == 2
    assert literal.health_error == (
        "http://10.0.0.1/centos/TIME: forbidden_target (10.0.0.1 is not a public address)"
    )
    assert "private.example.org (192.168.1.7) is not a public address" in named.health_error


def test_a_push_on_the_master_is_refreshed_within_a_round(
    network, farm, django_capture_on_commit_callbacks
):
    farm.set_behaviour("master", Behaviour.BEHIND, versions_behind=1)
    sweep(django_capture_on_commit_callbacks)
    known = RepositoryVersion.objects.count()
    report = services.health_round()
    assert report.master_timestamp == farm.tree.timestamp - 2 * 3600
    assert not report.master_changed  # the same TIME as the sweep's
    farm.set_behaviour("master", Behaviour.CURRENT)  # the push
    report = services.health_round()
    assert report.master_changed and report.master_timestamp == farm.tree.timestamp
    assert RepositoryVersion.objects.count() > known
    newest = RepositoryVersion.objects.order_by("-timestamp").first()
    assert newest.timestamp == max(v[0].timestamp for v in farm.tree.repos.values())
    assert not services.health_round().master_changed  # remembered in the cache


def test_a_round_costs_the_same_queries_for_3_and_for_30_mirrors(
    network, farm, health_settings, django_assert_max_num_queries
):
    def counted() -> int:
        # Each kind of write at once: good, failing, taken down, queued for a re-check as
        # back or as synced (its TIME's Last-Modified changed).
        Mirror.objects.update(
            status=MirrorStatus.UP, health_failures=0, health_successes=0,
            recheck_requested_at=None, consecutive_successes=0,
        )  # fmt: skip
        Mirror.objects.filter(name__startswith="down").update(health_failures=1)
        Mirror.objects.filter(name__startswith="back").update(
            status=MirrorStatus.DOWN, health_successes=1
        )
        Mirror.objects.filter(name__startswith="sync").update(
            time_modified="Thu, 01 Jan 1970 00:00:00 GMT"
        )
        with django_assert_max_num_queries(16) as queries:  # outbox, vantage points, windows
            report = services.health_round(early=False)  # (early: a recording per batch)
        assert report.taken_down and report.synced and not report.master_changed
        assert len(report.rechecks_queued) == 2
        # The one back counts its health rounds as earlier successes; the synced one not.
        assert dict(
            Mirror.objects.filter(recheck_requested_at__isnull=False)
            .values_list("name", "consecutive_successes")
        ) == {"back-0.farm.test": 1, "sync-0.farm.test": 0}  # fmt: skip
        return len(queries)

    for prefix in ("down", "back", "sync"):
        farm.add_mirror(f"{prefix}-0", Behaviour.REFUSED if prefix == "down" else Behaviour.CURRENT)
        mirror = MirrorFactory(name=f"{prefix}-0.farm.test")
        MirrorURLFactory(mirror=mirror, url=farm[f"{prefix}-0"].base_url)
    services.health_round()  # the master's time is remembered from now on
    few = counted()
    for index in range(27):
        sim = farm.add_mirror(f"more-{index}", Behaviour.CURRENT if index % 3 else Behaviour.HANG)
        MirrorURLFactory(mirror=MirrorFactory(name=f"more-{index}.farm.test"), url=sim.base_url)
    many = counted()
    assert few == many
    print(f"\nqueries per round: {few} for 6 mirrors, {many} for 33")


def test_the_task_skips_a_round_while_one_runs_or_when_switched_off(network, health_settings):
    Mirror.objects.update(status=MirrorStatus.UP)
    assert tasks.health_round() == 3
    assert cache.add(tasks.HEALTH_LOCK_KEY, 1)  # released after the round
    assert tasks.health_round() is None  # still "running"
    cache.delete(tasks.HEALTH_LOCK_KEY)
    health_settings.MIRROR_HEALTH_ENABLED = False
    assert tasks.health_round() is None
    assert Mirror.objects.filter(health_successes=1).count() == 3


def test_the_healthmirrors_command_prints_each_round(network, farm, health_settings):
    Mirror.objects.update(status=MirrorStatus.UP)
    farm.set_behaviour("three", Behaviour.REFUSED)
    out = io.StringIO()
    call_command("healthmirrors", "--every", "0.05", "--rounds", "2", stdout=out)
    first, second = out.getvalue().splitlines()
    # The refused probe and its confirmation: down in the first round.
    assert first.startswith("Round 1: 3 mirrors probed (5 requests), 1 failed, 1 taken down")
    assert "down: three.farm.test" in first
    assert "(4 requests), 1 failed, 0 taken down" in second and "master time" in second
