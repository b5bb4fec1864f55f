"""Load while snapshots are published: what bench/delivery_load.py's `--swap` mode and
bench/soak.py share.

wrk sends the benchmark's mix in back-to-back slices (a slice is one `wrk -d` run, so each
has its own p50 and p99) while a thread publishes a snapshot with the real builder every
`publish_every` seconds; the workers load it on their next poll. Each worker's RSS is read
after the warm-up and at the end.
"""

from __future__ import annotations

import threading
import time

import delivery_load as bench


def publisher(every: float, stop: threading.Event, published: list) -> threading.Thread:
    """A thread that publishes a snapshot every `every` seconds, noting (time, version,
    build seconds) in `published`."""

    def run() -> None:
        from django.db import connection

        from apps.delivery.services import snapshot_publish

        while not stop.wait(every):
            started = time.monotonic()
            row = snapshot_publish(reason="benchmark swap")
            published.append((started, row.version, time.monotonic() - started))
        connection.close()

    thread = threading.Thread(target=run, name="publisher", daemon=True)
    thread.start()
    return thread


def rss_of(pid: int) -> dict[int, float]:
    """{worker pid: RSS in MiB} of a granian's workers."""
    out = {}
    for worker in bench.workers(pid):
        try:
            out[worker.pid] = worker.memory_info().rss / 2**20
        except Exception:  # noqa: S112  (a worker that just exited)
            continue
    return out


def run(
    url: str, pid: int, script, *, seconds: float, slice_s: int, publish_every: float, conns: int
) -> dict:
    """Slices of wrk for `seconds` while snapshots are published: {"slices": [(start,
    result)], "published": [(time, version, build s)], "rss_start", "rss_end"}."""
    rss_start = rss_of(pid)
    stop, published, slices, memory = threading.Event(), [], [], []
    thread = publisher(publish_every, stop, published)
    began = time.monotonic()
    try:
        while time.monotonic() - began < seconds:
            started = time.monotonic()
            slices.append((started, bench.run_wrk(url, script, slice_s, conns)))
            memory.append((started - began, rss_of(pid)))
    finally:
        stop.set()
        thread.join(120)
    return {
        "began": began,
        "slices": slices,
        "published": published,
        "rss_start": rss_start,
        "rss_end": rss_of(pid),
        "rss_series": memory,
    }


def errors(result: dict) -> int:
    return sum(r["socket_errors"] + r["non_2xx"] for _, r in result["slices"])


def rss_lines(result: dict) -> list[str]:
    lines = []
    for worker, start in result["rss_start"].items():
        end = result["rss_end"].get(worker)
        change = f"{(end - start) / start:+.1%}" if end else "exited"
        lines.append(
            f"  worker {worker}: RSS {start:.0f} MiB at start, {end:.0f} MiB at end ({change})"
            if end
            else f"  worker {worker}: RSS {start:.0f} MiB at start, {change}"
        )
    return lines


def rss_series(result: dict, every: float = 60.0) -> list[str]:
    """Each worker's RSS at the start of the run and then about every `every` seconds: a
    leak climbs with every swap, a heap that reuses the freed snapshot levels off."""
    points, next_at = [(0.0, result["rss_start"])], every
    for at, rss in result.get("rss_series", []):
        if at >= next_at:
            points.append((at, rss))
            next_at += every
    points.append((None, result["rss_end"]))
    lines = []
    for worker in result["rss_start"]:
        cells = " ".join(
            f"{'end' if at is None else f'{at / 60:.0f}m'}:{rss[worker]:.0f}"
            for at, rss in points
            if worker in rss
        )
        lines.append(f"  worker {worker} RSS MiB: {cells}")
    return lines


def around_swaps(result: dict, before: int = 2, after: int = 8) -> list[str]:
    """p99 per one-second slice around each publication (the workers load it on their
    next poll, up to DELIVERY_POLL_SECONDS later)."""
    lines = []
    slices = result["slices"]
    for at, version, build in result["published"]:
        near = [(start - at, r) for start, r in slices if -before - 1 <= start - at <= after]
        cells = " ".join(f"{offset:+.0f}s:{r['p99']:.1f}" for offset, r in near)
        lines.append(f"  v{version} (built in {build:.1f} s): p99 ms {cells}")
    return lines


def windows(result: dict) -> list[str]:
    lines = []
    began = result["began"]
    for start, r in result["slices"]:
        errs = r["socket_errors"] + r["non_2xx"]
        lines.append(
            f"  {(start - began) / 60:5.1f} min: {r['rps']:8.0f} req/s  p50 {r['p50']:6.2f} ms"
            f"  p99 {r['p99']:6.2f} ms  errors {errs}"
        )
    return lines
