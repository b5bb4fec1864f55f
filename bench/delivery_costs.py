"""delivery_load.py's in-process costs: the front's tallies against none (paired,
interleaved rounds) and a snapshot's load and swap time and RSS."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from pathlib import Path

from delivery_mix import draw_address, draw_path
from delivery_setup import BASE_DIR


def _stub(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"django\n"]


def _timed(front, environs) -> float:
    """ns per request of `front` over `environs`, as a server calls it."""

    def start_response(status, headers, exc_info=None):
        return None

    started = time.thread_time_ns()
    for environ in environs:
        b"".join(front(environ, start_response))
    return (time.thread_time_ns() - started) / len(environs)


def _ab(fronts, environs, rounds: int) -> tuple[float, float, float, float, float]:
    """(ns per request without tallies and with them, each its fastest round, as timeit
    judges; the quartiles of the rounds' differences, to show the noise); the order
    alternates so that neither side always runs warm."""
    plain, counted, diffs = [], [], []
    for k in range(rounds):
        order = (0, 1) if k % 2 else (1, 0)
        took = {}
        for i in order:
            took[i] = _timed(fronts[i], environs)
        plain.append(took[0])
        counted.append(took[1])
        diffs.append(took[1] - took[0])
    diffs.sort()
    return (
        min(plain),
        min(counted),
        min(counted) - min(plain),
        diffs[rounds // 4],
        diffs[3 * rounds // 4],
    )


def _prometheus_inc_ns(multiprocess: Path | None) -> dict:
    """prometheus-client's Counter.inc and Histogram.observe, ns a call (a subprocess: its
    multiprocess mode is chosen at import time)."""
    code = (
        "import timeit, json\n"
        "from prometheus_client import Counter, Histogram\n"
        "c = Counter('c', 'c', ['endpoint']).labels('mirrorlist')\n"
        "h = Histogram('h', 'h', ['endpoint']).labels('mirrorlist')\n"
        "n = 200_000\n"
        "print(json.dumps({'inc': min(timeit.repeat(c.inc, number=n, repeat=5)) / n * 1e9,"
        " 'observe': min(timeit.repeat(lambda: h.observe(0.00003), number=n, repeat=5))"
        " / n * 1e9}))"
    )
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    if multiprocess is not None:
        multiprocess.mkdir(parents=True, exist_ok=True)
        env["PROMETHEUS_MULTIPROC_DIR"] = str(multiprocess)
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    import json

    return json.loads(out.stdout)


PASSES = 21  # passes over the mix: its per-request difference is the headline


def _paired(fronts, environs, passes: int) -> tuple[float, float]:
    """(ns per request without tallies, with them): every request is answered by both
    fronts in turn (the order alternating), so that what else the machine does falls on both
    sides alike; the median of `passes` passes."""

    def start_response(status, headers, exc_info=None):
        return None

    clock = time.thread_time_ns
    results = []
    for _ in range(passes):
        spent = [0, 0]
        for k, environ in enumerate(environs):
            first = k & 1
            t0 = clock()
            b"".join(fronts[first](environ, start_response))
            t1 = clock()
            b"".join(fronts[1 - first](environ, start_response))
            t2 = clock()
            spent[first] += t1 - t0
            spent[1 - first] += t2 - t1
        results.append((spent[0] / len(environs), spent[1] / len(environs)))
    results.sort(key=lambda r: r[1] - r[0])
    diffs = [b - a for a, b in results]
    return (*results[passes // 2], diffs[passes // 4], diffs[3 * passes // 4])


def tally_cost(tmp: Path, urls, pools, no_country: float, clients: int = 5000) -> float:
    """Print the tallies' cost per request; returns the figure judged: the median
    difference on the mix (every request answered with and without tallies in turn, so that
    what else the machine does falls on both alike), with its quartiles; the shortest answer
    (a 405, where little else is done) is the second line, a check with less noise."""
    from apps.delivery.client import ClientLocator
    from apps.delivery.front import DeliveryFront
    from apps.delivery.selectors import snapshot_latest
    from apps.delivery.store import SnapshotStore
    from apps.delivery.tallies import FrontTallies

    store = SnapshotStore(poll_seconds=0)
    store.install(bytes(snapshot_latest()[1]), write_cache=False)
    store.ensure_started()
    locator = ClientLocator(trusted_proxies=("127.0.0.1", "::1"))
    tallies = FrontTallies()
    fronts = [
        DeliveryFront(_stub, store=store, locator=locator, rng=random.Random(1), tallies=c)
        for c in (None, tallies)
    ]
    rng = random.Random(23)
    mix = []
    for _ in range(clients):  # every request from another client, as in the wrk mix
        path, _, query = draw_path(rng, urls).partition("?")
        mix.append({"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query,
                    "REMOTE_ADDR": "127.0.0.1",
                    "HTTP_X_FORWARDED_FOR": draw_address(rng, pools, no_country)})  # fmt: skip
    short = [{**e, "REQUEST_METHOD": "POST"} for e in mix]  # answered 405 at once
    for front in fronts:  # warm-up: plans, the client memo, the GeoIP reader
        _timed(front, mix)
    without, with_, low, high = _paired(fronts, mix, PASSES)
    diff = with_ - without
    s_without, s_with, s_diff, s_low, s_high = _ab(fronts, short, 41)
    one = tallies.count
    started = time.thread_time_ns()
    for _ in range(200_000):
        one(0, "200 OK", 30_000)
    alone = (time.thread_time_ns() - started) / 200_000
    plain, multi = _prometheus_inc_ns(None), _prometheus_inc_ns(tmp / "prom-multiproc")
    print(
        f"\nfront tallies, {clients} requests of the mix from as many client addresses,"
        f" in this process:\n"
        f"  mix: {without / 1000:.1f} us/request without, {with_ / 1000:.1f} us with:"
        f" {diff:+.0f} ns (each request answered by both in turn; the median of {PASSES}"
        f" passes, quartiles {low:+.0f}, {high:+.0f})\n"
        f"  shortest answer (405): {s_without:.0f} ns without, {s_with:.0f} ns with:"
        f" {s_diff:+.0f} ns (fastest of 41 rounds; quartiles {s_low:+.0f}, {s_high:+.0f})\n"
        f"  FrontTallies.count alone: {alone:.0f} ns a call\n"
        f"  prometheus-client for comparison: Counter.inc {plain['inc']:.0f} ns,"
        f" Histogram.observe {plain['observe']:.0f} ns; multiprocess mode"
        f" {multi['inc']:.0f} ns and {multi['observe']:.0f} ns"
    )
    judged = diff  # the realistic case: the mix, every request from another client
    print(f"  the tallies cost {judged:.0f} ns a request of the mix: "
          f"{'within' if judged <= 1000 else 'OVER'} the 1 us budget")  # fmt: skip
    return judged


LOAD_CODE = """
import json, os, sys, time, resource
import psutil
sys.path.insert(0, {base!r})
from apps.delivery.store import SnapshotStore
blob = open({path!r}, "rb").read()
me = psutil.Process()
before = me.memory_info().rss
store = SnapshotStore(poll_seconds=0)
started, cpu = time.perf_counter(), time.process_time()
store.install(blob, write_cache=False)
took, took_cpu = time.perf_counter() - started, time.process_time() - cpu
after = me.memory_info().rss
started = time.perf_counter()
store.install(blob.replace(b'"version":', b'"version":1', 1), write_cache=False)
again = time.perf_counter() - started
print(json.dumps({{"load": took, "cpu": took_cpu, "again": again, "before": before, "after": after,
                  "swapped": me.memory_info().rss}}))
"""


def load_figures(tmp: Path, blob: bytes) -> dict:
    """Time and memory to load the snapshot into a fresh process, as a worker does (parse,
    clean, plans and answers built), then to swap in a second copy."""
    import json

    path = tmp / "snapshot-load.json"
    path.write_bytes(blob)
    code = LOAD_CODE.format(base=str(BASE_DIR), path=str(path))
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=600
    )
    figures = json.loads(out.stdout)
    print(
        f"load into a worker: {figures['load']:.2f} s ({figures['cpu']:.2f} s of CPU; a swap:"
        f" {figures['again']:.2f} s);"
        f" RSS {figures['before'] / 2**20:.0f} MiB before, {figures['after'] / 2**20:.0f} MiB"
        f" loaded, {figures['swapped'] / 2**20:.0f} MiB after a swap"
    )
    return figures
