"""Soak: the delivery benchmark's realistic mix for an hour at 64 connections while a
snapshot is published every minute, as the health loop does on a busy day.

    .venv/bin/python bench/soak.py [--minutes 60] [--window 300] [--mirrors 10000]
    .venv/bin/python bench/soak.py --short      # 5 minutes in 1-minute windows (CI)

Builds the rows and the first snapshot as bench/delivery_load.py does, starts granian (2
WSGI workers) on the portal, then sends wrk's mix (fresh client addresses, 30% IPv6,
70/20/10 mirrorlist/metalink/ISO) in back-to-back windows while a thread publishes a new
snapshot every --publish-every seconds. Prints per window req/s, p50, p99 and errors, then
each worker's RSS at start and end. Exits 1 on any error, or when a worker's RSS grew by
more than --rss-growth (10%) over the run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import delivery_load as bench  # noqa: E402
import delivery_swap  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--window", type=int, default=300, help="seconds per printed window")
    parser.add_argument("--short", action="store_true", help="5 minutes, 1-minute windows")
    parser.add_argument("--publish-every", type=float, default=60.0)
    parser.add_argument("--mirrors", type=int, default=10_000)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--granian-args", default="--blocking-threads 2")
    parser.add_argument("--no-country", type=float, default=0.05)
    parser.add_argument("--rss-growth", type=float, default=0.10)
    args = parser.parse_args(argv)
    if args.short:
        args.minutes, args.window = 5, 60
    if not shutil.which("wrk"):
        print("wrk is not installed (apt-get install wrk)")
        return 2
    tmp = Path(tempfile.mkdtemp(prefix="delivery-soak-"))
    granian = None
    try:
        env = bench.setup_django(tmp)
        bench.generate_rows(args.mirrors)
        from apps.delivery.services import snapshot_publish

        row = snapshot_publish(reason="soak")
        urls, pools = bench.catalogue(), bench.geoip_pools()
        script = bench.mix_script(tmp, pools, urls, args.no_country)
        port = bench.free_port()
        granian = bench.start_granian(
            "portal.wsgi:application", port, args, {**os.environ, **env}, bench.BASE_DIR
        )
        base = f"http://127.0.0.1:{port}"
        bench.wait_for(f"{base}/healthz")
        bench.run_wrk(base, script, 5, args.connections)  # warm-up
        print(
            f"soak: {args.mirrors} mirrors (snapshot {row.size / 1e6:.1f} MB), wrk -t2"
            f" -c{args.connections}, {args.minutes:g} min in {args.window} s windows, a"
            f" snapshot every {args.publish_every:g} s"
        )
        result = delivery_swap.run(
            base, granian.pid, script, seconds=args.minutes * 60, slice_s=args.window,
            publish_every=args.publish_every, conns=args.connections,
        )  # fmt: skip
        print("\n".join(delivery_swap.windows(result)))
        errors = delivery_swap.errors(result)
        builds = [b for _, _, b in result["published"]]
        print(
            f"{len(builds)} snapshots published (built in {min(builds, default=0):.1f}-"
            f"{max(builds, default=0):.1f} s); errors {errors}"
        )
        print("worker RSS:")
        print("\n".join(delivery_swap.rss_lines(result)))
        print("\n".join(delivery_swap.rss_series(result, every=args.window)))
        grown = [
            w
            for w, start in result["rss_start"].items()
            if result["rss_end"].get(w, start) > start * (1 + args.rss_growth)
        ]
        if grown:
            print(f"RSS grew by more than {args.rss_growth:.0%}: workers {grown}")
        return 1 if errors or grown else 0
    finally:
        if granian is not None:
            granian.send_signal(signal.SIGTERM)
            granian.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
