"""/metrics: Prometheus's text format for the allowed addresses only, read back with
prometheus-client's own parser; the front's tallies move by exactly the requests made, and
the snapshot, mirror, sweep, health-loop and server figures say what the data says."""

from __future__ import annotations

import os
import threading
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

import orjson
import pytest
from prometheus_client.parser import text_string_to_metric_families

from apps.core import metrics as core_metrics
from apps.delivery import runtime
from apps.delivery.selectors import snapshot_latest
from apps.delivery.tallies import SIZE, FrontTallies, requests_by_endpoint
from apps.mirrors.choices import MirrorTier
from apps.mirrors.models import Mirror, MirrorRepositoryState
from apps.mirrors.services.health import health_round
from apps.mirrors.services.sweeps import sweep_run
from apps.servers.models import Server, ServerService

from .fixtures import call

ML = "release=5.0&arch=x86_64&repo=os&cc=GB"


def django_stub(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"django\n"]


@pytest.fixture
def metrics_settings(settings, tmp_path):
    settings.METRICS_DIR = str(tmp_path / "metrics")
    settings.METRICS_CACHE_SECONDS = 0  # every scrape reads the database sources again
    settings.DELIVERY_POLL_SECONDS = 0  # no poller thread: the test installs the snapshot
    settings.DELIVERY_SNAPSHOT_CACHE = str(tmp_path / "snapshot.json")
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    runtime.reset()
    yield settings
    runtime.reset()


def front_with(blob: bytes | None):
    """The front as portal/wsgi.py builds it, serving `blob`."""
    if blob is not None:
        runtime.store().install(blob, write_cache=False)
    return runtime.front_build(django_stub)


@pytest.fixture
def metrics_front(published, metrics_settings):
    return front_with(bytes(published[0].blob))


def scrape_text(base: str, forwarded: str | None = None) -> tuple[int, str, str]:
    return get(base + "/metrics", forwarded)


def get(url: str, forwarded: str | None = None) -> tuple[int, str, str]:
    """(status, content type, body) of a GET over real HTTP."""
    request = urllib.request.Request(url)
    if forwarded:
        request.add_header("X-Forwarded-For", forwarded)
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310  (loopback)
            return answer.status, answer.headers["Content-Type"], answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode()


def samples(text: str) -> dict[tuple, float]:
    """{(sample name, sorted labels): value}, parsed by prometheus-client's parser."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def scrape(front, remote: str = "127.0.0.1") -> dict[tuple, float]:
    answer = call(front, "/metrics", remote=remote)
    assert answer.status == 200, answer.text
    return samples(answer.text)


def requests(figures: dict, endpoint: str, status: str) -> float:
    key = ("portal_delivery_requests_total", (("endpoint", endpoint), ("status", status)))
    return figures.get(key, 0)


def test_only_allowed_addresses_get_metrics(metrics_front, serve):
    base = serve(metrics_front)
    status, content_type, text = scrape_text(base)  # from 127.0.0.1: allowed
    assert status == 200 and content_type == "text/plain; version=0.0.4; charset=utf-8"
    assert {f.name for f in text_string_to_metric_families(text)} >= {
        "portal_delivery_requests",
        "portal_delivery_request_duration_seconds",
        "portal_delivery_snapshot_version",
        "portal_mirrors",
    }
    # Through the trusted proxy (127.0.0.1), the forwarded client decides.
    status, _type, text = scrape_text(base, forwarded="203.0.113.9")
    assert status == 404 and "portal_" not in text
    assert scrape_text(base, forwarded="127.0.0.5")[0] == 200
    # An untrusted peer cannot claim to be the loopback.
    answer = call(metrics_front, "/metrics", remote="203.0.113.9",
                  headers={"X-Forwarded-For": "127.0.0.1"})  # fmt: skip
    assert answer.status == 404 and b"portal_" not in answer.body
    assert call(metrics_front, "/metrics", remote="::1").status == 200


def test_counters_move_by_exactly_the_requests_made(metrics_front, serve):
    base = serve(metrics_front)
    before = samples(scrape_text(base)[2])
    statuses = [
        get(f"{base}/mirrorlist?{q}")[0] for q in (ML, ML, ML, "release=5.0&arch=x86_64&repo=nope")
    ]
    statuses += [get(f"{base}/metalink?repo=os-5&arch=x86_64")[0] for _ in range(2)]
    statuses.append(get(f"{base}/releases/")[0])  # Django's
    assert statuses == [200, 200, 200, 404, 200, 200, 200]
    after = samples(scrape_text(base)[2])

    def moved(endpoint: str, status: str) -> float:
        return requests(after, endpoint, status) - requests(before, endpoint, status)

    assert moved("mirrorlist", "2xx") == 3
    assert moved("mirrorlist", "4xx") == 1
    assert moved("metalink", "2xx") == 2
    assert moved("metalink", "4xx") == 0
    assert moved("other", "2xx") == 2  # the page, and the first scrape
    hist = "portal_delivery_request_duration_seconds"
    key = (("endpoint", "mirrorlist"),)
    assert after[(hist + "_count", key)] - before.get((hist + "_count", key), 0) == 4
    assert after[(hist + "_sum", key)] > before.get((hist + "_sum", key), 0)
    buckets = sorted(
        (float(dict(labels)["le"]), value)
        for (name, labels), value in after.items()
        if name == hist + "_bucket" and dict(labels)["endpoint"] == "mirrorlist"
    )
    assert buckets[-1] == (float("inf"), after[(hist + "_count", key)])
    assert [v for _le, v in buckets] == sorted(v for _le, v in buckets)  # cumulative


def test_snapshot_figures_are_the_loaded_snapshots(metrics_front, published):
    figures = scrape(metrics_front)
    snapshot = runtime.store().snapshot
    assert figures[("portal_delivery_snapshot_version", ())] == snapshot.version
    assert figures[("portal_delivery_snapshot_version", ())] == published[0].version
    assert 0 <= figures[("portal_delivery_snapshot_age_seconds", ())] < 60
    assert figures[("portal_delivery_snapshot_mirrors", ())] == len(snapshot.mirrors)
    assert figures[("portal_delivery_snapshot_loaded", ())] == 1


def test_several_workers_add_up_through_their_files(metrics_front, metrics_settings):
    call(metrics_front, "/mirrorlist", ML)
    other = FrontTallies()
    for _ in range(5):
        other.count(0, "200 OK", 30_000)  # another worker's five mirrorlists
    folder = metrics_settings.METRICS_DIR
    Path(folder).mkdir()
    Path(folder, "front-999999999.json").write_bytes(
        orjson.dumps({"size": SIZE, "counts": other.totals()})
    )
    figures = scrape(metrics_front)
    assert requests(figures, "mirrorlist", "2xx") == 6
    assert figures[("portal_delivery_processes", ())] == 2
    # This worker's own file is written on the poller's tick, and skipped by its own scrape.
    runtime.store().on_tick()
    own = orjson.loads(Path(folder, f"front-{os.getpid()}.json").read_bytes())
    assert requests_by_endpoint(own["counts"])["mirrorlist", "2xx"] == 1
    assert requests(scrape(metrics_front), "mirrorlist", "2xx") == 6


def test_counting_threads_lose_nothing():
    tallies = FrontTallies()

    def work():
        for _ in range(2000):
            tallies.count(1, "200 OK", 1000)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert requests_by_endpoint(tallies.totals())["metalink", "2xx"] == 16_000


@pytest.mark.usefixtures("metrics_settings")
def test_mirrors_and_servers_by_state_are_the_demo_datas(demo):
    _version, blob = snapshot_latest()
    figures = scrape(front_with(bytes(blob)))
    mirrors = Mirror.objects.exclude(tier=MirrorTier.MASTER)
    expected = Counter(mirrors.values_list("approval", "status"))
    got = {
        (dict(labels)["approval"], dict(labels)["status"]): value
        for (name, labels), value in figures.items()
        if name == "portal_mirrors"
    }
    assert got == expected and sum(got.values()) > 150
    # An approved mirror's content state is its worst repository's.
    worst = {}
    for mirror_id, state in MirrorRepositoryState.objects.filter(
        mirror__in=mirrors.filter(approval="approved")
    ).values_list("mirror_id", "state"):
        order = ("missing", "behind", "unknown", "current")
        if order.index(state) < order.index(worst.get(mirror_id, "current")):
            worst[mirror_id] = state
    content = Counter(worst.get(pk, "current") for pk in
                      mirrors.filter(approval="approved").values_list("pk", flat=True))  # fmt: skip
    for state in ("current", "behind", "missing", "unknown"):
        assert figures[("portal_mirrors_content", (("state", state),))] == content[state], state
    servers = Server.objects.in_service()
    by_condition = Counter(servers.values_list("condition", flat=True))
    for condition in ("ok", "warning", "critical", "unknown"):  # the label keeps its old name
        assert figures[("portal_servers", (("health", condition),))] == by_condition[condition]
    for hostname, condition in servers.values_list("hostname", "condition"):
        labels = (("health", condition), ("server", hostname))
        assert figures[("portal_server_health", labels)] == 1
    assert figures[("portal_metrics_source_up", (("source", "servers.health"),))] == 1
    # Each service check of the demo's servers (mirror-cl1's HTTP is down: critical, hard).
    services = ServerService.objects.filter(enabled=True, server__in=servers)
    by_state = Counter(services.values_list("state", "state_type"))
    assert sum(by_state.values()) > 100 and by_state[("critical", "hard")] >= 1
    for (state, state_type), count in by_state.items():
        assert figures[("portal_services", (("state", state), ("state_type", state_type)))] == count
    labels = (("server", "mirror-cl1.example.org"), ("service", "HTTP"), ("state", "critical"),
              ("state_type", "hard"))  # fmt: skip
    assert figures[("portal_service_state", labels)] == 1
    assert figures[("portal_metrics_source_up", (("source", "servers.services"),))] == 1


@pytest.mark.django_db
@pytest.mark.usefixtures("metrics_settings")
def test_sweep_and_health_round_durations_appear_once_run():
    front = front_with(None)  # nothing published yet: delivery says so and goes on
    figures = scrape(front)
    assert figures[("portal_delivery_snapshot_loaded", ())] == 0
    assert ("portal_sweep_last_duration_seconds", ()) not in figures
    sweep = sweep_run(mirror_ids=[])
    report = health_round()
    figures = scrape(front)
    took = (sweep.finished_at - sweep.started_at).total_seconds()
    assert figures[("portal_sweep_last_duration_seconds", ())] == pytest.approx(took)
    assert figures[("portal_sweep_last_finished_timestamp_seconds", ())] == pytest.approx(
        sweep.finished_at.timestamp()
    )
    assert figures[("portal_health_round_last_duration_seconds", ())] == pytest.approx(
        report.seconds
    )
    assert figures[("portal_health_round_last_mirrors", (("result", "probed"),))] == 0


@pytest.mark.django_db
@pytest.mark.usefixtures("metrics_settings")
def test_a_failing_source_costs_only_its_own_figures():
    @core_metrics.metrics_source("tests.broken")
    def broken():
        raise RuntimeError("the database is down")
        yield  # pragma: no cover

    try:
        figures = scrape(front_with(None))
    finally:
        core_metrics._sources.pop("tests.broken")
    assert figures[("portal_metrics_source_up", (("source", "tests.broken"),))] == 0
    assert figures[("portal_metrics_source_up", (("source", "servers.health"),))] == 1
    assert ("portal_delivery_snapshot_loaded", ()) in figures
