"""Where a delivery worker spends its time under the benchmark's default mix: py-spy samples
one granian worker while wrk sends the mix (bench/delivery_load.py's rows, snapshot and Lua
script), and the top functions are printed by own time and by time including callees.

    .venv/bin/python bench/profile_worker.py [--mirrors 10000] [--duration 20] [--top 25]

py-spy (requirements-dev.txt) needs ptrace rights over the worker: root, or
kernel.yama.ptrace_scope=0.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import delivery_load as bench  # noqa: E402


def summarize(collapsed: Path, top: int) -> str:
    """Own and inclusive samples per function from py-spy's raw (collapsed) stacks."""
    own: Counter = Counter()
    inclusive: Counter = Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        frames = stack.split(";")
        total += n
        own[_short(frames[-1])] += n
        for name in {_short(f) for f in frames}:
            inclusive[name] += n
    lines = [f"{total} samples of one worker's threads (idle ones left out by py-spy)"]
    for title, table in (("own time", own), ("including callees", inclusive)):
        lines.append(f"\ntop {top} by {title}:")
        for name, n in table.most_common(top):
            lines.append(f"  {n / max(1, total):6.1%}  {name}")
    return "\n".join(lines)


def _short(frame: str) -> str:
    """'draw (apps/delivery/sampler.py:93)' without the line number and the venv prefix."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "/apps/", "/lib/python3"):
        if marker in where:
            where = where.split(marker, 1)[1]
            break
    return f"{name} ({where})"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mirrors", type=int, default=10_000)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--granian-args", default="--blocking-threads 2")
    parser.add_argument("--no-country", type=float, default=0.05)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    spy = shutil.which("py-spy") or str(bench.BASE_DIR / ".venv/bin/py-spy")
    tmp = Path(tempfile.mkdtemp(prefix="delivery-profile-"))
    granian = None
    try:
        env = bench.setup_django(tmp)
        bench.generate_rows(args.mirrors)
        from apps.delivery.services import snapshot_publish

        snapshot_publish(reason="benchmark")
        urls, pools = bench.catalogue(), bench.geoip_pools()
        script = bench.mix_script(tmp, pools, urls, args.no_country)
        port = bench.free_port()
        granian = bench.start_granian(
            "portal.wsgi:application", port, args, {**bench.os.environ, **env}, bench.BASE_DIR
        )
        base = f"http://127.0.0.1:{port}"
        bench.wait_for(f"{base}/healthz")
        bench.run_wrk(base, script, 5, args.connections)  # warm-up: plans, caches, GeoIP
        worker = bench.workers(granian.pid)[0].pid
        out = tmp / "stacks.txt"
        load = threading.Thread(
            target=bench.run_wrk, args=(base, script, args.duration + 2, args.connections)
        )
        load.start()
        time.sleep(1)
        subprocess.run(
            [spy, "record", "--pid", str(worker), "--duration", str(args.duration),
             "--rate", "250", "--format", "raw", "--output", str(out), "--nonblocking"],
            check=True, capture_output=True,
        )  # fmt: skip
        load.join()
        print(f"{args.mirrors} mirrors, wrk -c{args.connections}, worker {worker}:")
        print(summarize(out, args.top))
        return 0
    finally:
        if granian is not None:
            granian.send_signal(signal.SIGTERM)
            granian.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
