"""Pushes and their propagation: the master refresh records a push and re-checks the mirrors
that carry it, each mirror's first check holding it is an arrival, and the status page and
a mirror's page say how fast the mirrors follow (against the real farm where it matters)."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.core.testing.mirrorfarm import Behaviour, MirrorFarm
from apps.mirrors import tasks
from apps.mirrors.choices import ContentState, MirrorTier
from apps.mirrors.models import (
    MaintenanceWindow,
    Mirror,
    MirrorRepositoryState,
    Push,
    PushArrival,
)
from apps.mirrors.selectors import mirror_propagation, push_chart, push_summaries
from apps.mirrors.services import master_refresh, sweep_run
from apps.mirrors.services.rechecks import mirrors_recheck
from apps.releases.models import RepositoryVersion

from .factories import MirrorFactory, MirrorURLFactory, master_mirror_create

pytestmark = pytest.mark.django_db
HOUR = 3600
FOLLOWERS = ("caught", "late", "resting")


@pytest.fixture
def farm(master_tree):
    """The master one version behind its tree (a push to come) and three mirrors that hold
    that same version."""
    farm = MirrorFarm(master_tree, https=False)
    farm.set_behaviour("master", Behaviour.BEHIND, versions_behind=1)
    for name in FOLLOWERS:
        farm.add_mirror(name, Behaviour.BEHIND, versions_behind=1)
    with farm:
        yield farm


@pytest.fixture
def network(farm, master_catalogue, settings):
    """The farm as the portal knows it: the master and an approved Mirror per follower,
    registered two days ago."""
    settings.MIRROR_CHECK_TIMEOUT = settings.MIRROR_CHECK_CONNECT_TIMEOUT = 2.0
    settings.MIRROR_CHECK_ALLOW_NETWORKS = ["127.0.0.0/8"]
    settings.MIRROR_CHECK_SUSPEND_AFTER = 0
    settings.MIRROR_PUSH_RECHECK_WINDOW_SECONDS = 600
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    master_mirror_create(farm.master.base_url)
    mirrors = {}
    for name in FOLLOWERS:
        mirrors[name] = MirrorFactory(name=f"{name}.farm.test", status="unknown")
        MirrorURLFactory(mirror=mirrors[name], url=farm[name].base_url)
    Mirror.objects.update(created=timezone.now() - dt.timedelta(days=2))
    return mirrors


@pytest.fixture
def queued(monkeypatch):
    """The re-check tasks sent, as (mirror ids, reason, countdown)."""
    sent = []

    def apply_async(kwargs, eta=None, **options):  # as the outbox sends them
        countdown = round((eta - timezone.now()).total_seconds()) if eta else 0
        sent.append((list(kwargs["mirror_ids"]), kwargs["reason"], countdown))

    monkeypatch.setattr(tasks.mirrors_recheck_task, "apply_async", apply_async)
    return sent


def newest_sha256s(master_tree) -> set[str]:
    return {versions[0].sha256 for versions in master_tree.repos.values()}


def test_a_push_is_recorded_rechecked_and_followed(
    farm, network, master_tree, queued, django_capture_on_commit_callbacks
):
    caught, late, resting = (network[name] for name in FOLLOWERS)
    sweep_run(mirror_ids=[m.pk for m in network.values()])
    old = {v[1].sha256 for v in master_tree.repos.values()}
    states = MirrorRepositoryState.objects.filter(mirror=caught)
    assert set(states.values_list("sha256", flat=True)) == old
    assert set(states.values_list("state", flat=True)) == {ContentState.CURRENT}
    assert master_refresh().push is None  # the master holds what the portal knows: no push
    MaintenanceWindow.objects.create(
        mirror=resting,
        starts_at=timezone.now() - dt.timedelta(hours=3),
        ends_at=timezone.now() + dt.timedelta(hours=3),
    )

    farm.set_behaviour("master", Behaviour.CURRENT)  # the master syncs: a push
    pushed_at = timezone.now() - dt.timedelta(minutes=90)
    with django_capture_on_commit_callbacks(execute=True):
        report = master_refresh(now=pushed_at)

    push = Push.objects.get()
    assert report.push == push and report.versions_added == 6
    assert set(push.versions.values_list("sha256", flat=True)) == newest_sha256s(master_tree)
    assert push.detected_at == pushed_at and push.mirrors_expected == 3
    assert "5.0/os/x86_64" in push.repositories.split(",")
    # The two mirrors outside maintenance, spread over the 600 s window.
    assert sorted(queued) == [
        ([caught.pk], f"push {push.pk}", 0),
        ([late.pk], f"push {push.pk}", 300),
    ]

    farm.set_behaviour("caught", Behaviour.CURRENT)
    mirrors_recheck(mirror_ids=[caught.pk, late.pk], reason=f"push {push.pk}")
    arrival = PushArrival.objects.get()
    assert (arrival.push, arrival.mirror) == (push, caught)
    assert 90 * 60 <= arrival.delay_seconds <= 90 * 60 + 60
    assert arrival.delay_seconds == round((arrival.seen_at - pushed_at).total_seconds())

    mirrors_recheck(mirror_ids=[caught.pk, late.pk], reason="again")
    assert list(PushArrival.objects.values_list("mirror", "seen_at")) == [
        (caught.pk, arrival.seen_at)  # no duplicate, the first sighting kept
    ]
    assert not PushArrival.objects.filter(mirror=late).exists()  # still behind


def test_the_first_refresh_ever_is_no_push(farm, network, queued):
    RepositoryVersion.objects.all().delete()
    farm.set_behaviour("master", Behaviour.CURRENT)
    report = master_refresh()
    assert report.ok and report.versions_added == 6
    assert report.push is None and not Push.objects.exists() and queued == []


def test_recording_arrivals_asks_the_same_queries_for_more_mirrors(farm, network):
    sweep_run(mirror_ids=[m.pk for m in network.values()])
    farm.set_behaviour("master", Behaviour.CURRENT)
    push = master_refresh(now=timezone.now() - dt.timedelta(minutes=5)).push
    counts = []
    for names in (["caught"], ["late", "resting"]):
        for name in names:
            farm.set_behaviour(name, Behaviour.CURRENT)
        with CaptureQueriesContext(connection) as queries:
            mirrors_recheck(mirror_ids=[network[n].pk for n in names], reason="test")
        counts.append(len(queries))
    assert PushArrival.objects.filter(push=push).count() == 3
    assert counts[0] == counts[1]


# ---------------------------------------------------------------------- chosen arrivals


@pytest.fixture
def tree(master_catalogue):
    """Two internal mirrors, each feeding two external ones that carry 5.0/os/x86_64; two
    pushes of it (25 h and 2 h ago) with arrivals at chosen delays."""
    now = timezone.now()
    release = master_catalogue["release"]
    os_, x86 = master_catalogue["repos"]["os"], master_catalogue["arches"]["x86_64"]
    key = {"release": release, "repository": os_, "architecture": x86}
    master = MirrorFactory(name="master.example.org", tier=MirrorTier.MASTER)
    fast = MirrorFactory(name="fast.example.org", tier=MirrorTier.INTERNAL, upstream=master)
    slow = MirrorFactory(name="slow.example.org", tier=MirrorTier.INTERNAL, upstream=master)
    leaves = {
        name: MirrorFactory(name=f"{name}.example.org", upstream=upstream)
        for name, upstream in (("a1", fast), ("a2", fast), ("b1", slow), ("b2", slow))
    }
    Mirror.objects.update(created=now - dt.timedelta(days=30))
    for mirror in leaves.values():
        mirror.refresh_from_db()
        MirrorRepositoryState.objects.create(mirror=mirror, state=ContentState.CURRENT, **key)
    versions = list(RepositoryVersion.objects.filter(**key).latest_first())
    pushes = {}
    for name, hours_ago, version in (("old", 25, versions[1]), ("new", 2, versions[0])):
        pushes[name] = Push.objects.create(
            detected_at=now - dt.timedelta(hours=hours_ago),
            repositories="5.0/os/x86_64",
            mirrors_expected=4,
        )
        pushes[name].versions.set([version])
    for push, leaf, delay in (
        ("old", "a1", 30 * 60), ("old", "a2", 3 * HOUR), ("old", "b1", 20 * HOUR),
        ("new", "a1", 40 * 60),
    ):  # fmt: skip
        PushArrival.objects.create(
            push=pushes[push],
            mirror=leaves[leaf],
            seen_at=pushes[push].detected_at + dt.timedelta(seconds=delay),
            delay_seconds=delay,
        )
    return {"pushes": pushes, "leaves": leaves, "fast": fast, "slow": slow, "now": now}


def test_push_summaries_give_shares_after_1_6_24_hours_and_the_slowest_branches(tree):
    new, old = push_summaries(now=tree["now"])
    assert [s["id"] for s in (new, old)] == [tree["pushes"]["new"].pk, tree["pushes"]["old"].pk]
    assert [s["percent"] for s in old["shares"]] == [25, 50, 75]
    assert [s["percent"] for s in new["shares"]] == [25, None, None]  # 6 h and 24 h: not yet
    assert [s["due"] for s in new["shares"]] == [True, False, False]
    assert (old["arrivals"], old["waiting"], old["median"], old["slowest"]) == (
        3, 1, 3 * HOUR, 20 * HOUR
    )  # fmt: skip
    slowest, fastest = old["branches"]
    assert (slowest["upstream"], slowest["median"], slowest["arrived"], slowest["waiting"]) == (
        "slow.example.org", 20 * HOUR, 1, 1
    )  # fmt: skip
    assert (fastest["upstream"], fastest["median"], fastest["arrived"], fastest["waiting"]) == (
        "fast.example.org", round((30 * 60 + 3 * HOUR) / 2), 2, 0
    )  # fmt: skip
    assert [b["upstream"] for b in new["branches"]] == ["fast.example.org"]


def test_a_mirrors_propagation_over_its_last_pushes(tree):
    leaves = tree["leaves"]
    a1 = mirror_propagation(mirror=leaves["a1"])
    assert (a1["pushes"], a1["arrived"], a1["median"], a1["slowest"]) == (2, 2, 35 * 60, 40 * 60)
    assert a1["waiting"] == []
    b2 = mirror_propagation(mirror=leaves["b2"])
    assert (b2["pushes"], b2["arrived"], b2["median"]) == (2, 0, None)
    assert [p["id"] for p in b2["waiting"]] == [tree["pushes"][n].pk for n in ("old", "new")]
    b1 = mirror_propagation(mirror=leaves["b1"])
    assert [p["id"] for p in b1["waiting"]] == [tree["pushes"]["new"].pk]
    assert mirror_propagation(mirror=Mirror.objects.get(tier=MirrorTier.MASTER)) is None


def test_the_chart_dates_each_push_and_scales_0_to_100_percent(tree):
    chart = push_chart(push_summaries(now=tree["now"]))
    assert [c["push"]["id"] for c in chart["columns"]] == [
        tree["pushes"]["old"].pk, tree["pushes"]["new"].pk
    ]  # fmt: skip
    assert [line["label"] for line in chart["grid"]] == ["0 %", "25 %", "50 %", "75 %", "100 %"]
    old_bars, new_bars = (column["bars"] for column in chart["columns"])
    assert [b["height"] for b in old_bars][2] == round(3 * old_bars[0]["height"], 1)
    assert [b["due"] for b in new_bars] == [True, False, False]


def test_the_status_page_charts_the_pushes(client, tree, django_assert_max_num_queries):
    for extra in range(8):  # more pushes and mirrors: the same queries
        push = Push.objects.create(
            detected_at=tree["now"] - dt.timedelta(hours=30 + extra), mirrors_expected=4
        )
        mirror = MirrorFactory(upstream=tree["slow"])
        PushArrival.objects.create(
            push=push, mirror=mirror, seen_at=tree["now"], delay_seconds=HOUR
        )
    # 4 for the pushes, however many; 1 the snapshot's age; 2 the listing states; 1 the staged
    # releases
    with django_assert_max_num_queries(13):
        page = client.get(reverse("mirrors:status")).content.decode()
    assert "Pushes: how fast the mirrors follow the master" in page
    svg = re.search(r'<svg [^>]*class="propagation-chart".*?</svg>', page, re.S)[0]
    assert "<title" in svg and ">100 %</text>" in svg and ">50 %</text>" in svg
    old = tree["pushes"]["old"].detected_at
    assert f">{old:%-d %b}</text>" in svg and f">{old:%H:%M}</text>" in svg
    assert svg.count('class="share share-') == 10 * 3 - 2  # the newest: 6 h, 24 h not yet
    assert "25 % of 4 mirrors current after 1 h" in svg
    table = page[page.index('class="list stack push-table"') :]
    assert 'data-label="6 h" class="num"><span class="muted">not yet</span>' in table
    assert 'data-label="24 h" class="num">75 %</td>' in table
    assert "slow.example.org</a>: its 1 mirror after a median of 20 h; 1 not yet" in table


def test_the_status_page_without_a_push(client, db):
    page = client.get(reverse("mirrors:status")).content.decode()
    assert "No push recorded yet" in page and "propagation-chart" not in page


def test_a_mirrors_page_says_how_fast_it_follows(client, tree, django_assert_max_num_queries):
    a1, b1 = tree["leaves"]["a1"], tree["leaves"]["b1"]
    # 4 for its pushes, 1 for its URLs as checked, 1 its window, 1 for where it is not
    # reachable from
    with django_assert_max_num_queries(16):
        page = client.get(reverse("mirrors:detail", args=[a1.pk])).content.decode()
    assert "How fast it follows the master" in page
    assert (
        "Over its last 2 pushes it had the new version after a median of "
        "<strong>35 min</strong> (slowest 40 min)."
    ) in page
    page = client.get(reverse("mirrors:detail", args=[b1.pk])).content.decode()
    assert "median of <strong>20 h</strong>" in page
    new = tree["pushes"]["new"].detected_at
    assert "Not seen with the new versions yet: 1 push, of <time datetime=" in page
    assert f"{new:%Y-%m-%d %H:%M}</time> UTC." in page
    version = tree["pushes"]["new"].versions.get()
    for hours_ago in range(3, 13):  # more pushes: the same queries, its last 10 only
        push = Push.objects.create(
            detected_at=tree["now"] - dt.timedelta(hours=hours_ago), mirrors_expected=4
        )
        push.versions.set([version])
        PushArrival.objects.create(push=push, mirror=a1, seen_at=tree["now"], delay_seconds=HOUR)
    with django_assert_max_num_queries(16):  # with its maintenance window, for its state
        page = client.get(reverse("mirrors:detail", args=[a1.pk])).content.decode()
    assert "Over its last 10 pushes it had the new version after a median of <strong>1 h" in page


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_pushes_fit_a_phone(live_server, tree):
    from portal.tests.browser import DESKTOP, PHONE, chrome, shoot, sideways_overflow

    for hours_ago in range(26, 34):  # ten pushes, as the page shows at most
        Push.objects.create(
            detected_at=tree["now"] - dt.timedelta(hours=hours_ago),
            repositories=",".join(
                f"5.0/{r}/{a}" for r in ("os", "updates") for a in ("x86_64", "i386")
            ),
            mirrors_expected=4,
        )
    browser = chrome()
    try:
        problems = []
        for name, path in (
            ("status-pushes", reverse("mirrors:status") + "#pushes"),
            ("mirror-propagation", reverse("mirrors:detail", args=[tree["leaves"]["b1"].pk])),
        ):
            browser.get(live_server.url + path)
            assert browser.find_element("css selector", ".propagation"), name
            for size in (DESKTOP, PHONE):
                shoot(browser, name, size)
                extra = sideways_overflow(browser)
                if extra > 0:
                    problems.append(f"{name} at {size[0]} px is {extra} px too wide")
        assert problems == []
    finally:
        browser.quit()


def test_a_push_of_many_repositories_reads_as_one_short_line():
    from apps.mirrors.selectors.propagation import repositories_summary

    keys = ",".join(f"5.0/{r}/{a}" for r in ("os", "updates") for a in ("x86_64", "i386"))
    assert repositories_summary(keys) == "5.0 os, updates (i386, x86_64)"
    assert repositories_summary(keys + ",5.0/extras/x86_64") == (
        "5.0 extras (x86_64); 5.0 os, updates (i386, x86_64)"
    )
    assert repositories_summary("5.0/os/x86_64,5.0/updates/…").endswith(" …")
