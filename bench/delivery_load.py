"""Load benchmark of the delivery front: nginx serving static bodies of the same size, a
bare WSGI callable under the same granian, and the portal, on this machine, in one run.

    .venv/bin/python bench/delivery_load.py [--mirrors 10000] [--duration 20] [--connections 64]

1. Creates a throw-away SQLite database (migrations), fills it with generated rows
   (`--mirrors` mirrors in about 50 countries with URLs, netblocks, repository and image
   states) and publishes a snapshot with the real builder (`snapshot_publish`), so the
   snapshot is what production would build from the same rows.
2. Starts granian (2 WSGI workers) on portal.wsgi:application with TRUSTED_PROXIES set to
   the loopback, so the front believes X-Forwarded-For as it would behind a proxy; the
   workers load the snapshot from that database like any production worker. A second
   granian with the same options serves a bare WSGI callable that returns, per kind, the
   portal's own answer (same status, headers and body) without any logic: the ceiling for
   any Python answer.
3. Builds the request mix (the default, "mix"): every request has a fresh client address
   (X-Forwarded-For, drawn by wrk's Lua per request: a random network of the GeoIP
   database, then a random address in it), 30% IPv6, `--no-country` of them from
   networks the database has no country for; 70% mirrorlist, 20% metalink (the
   `repo=<repo>-<release>` form) and 10% ISO redirects (302), spread evenly over every
   release/repository/arch and every ISO of the rows. Every URL is checked first (200 or
   302), and a sample of generated requests is sent to tally statuses and countries.
4. nginx serves, per kind, a static file as large as the portal's answer (the mirrorlist
   and metalink bodies themselves; for the 302, as many bytes as the portal's whole
   response, headers included).
5. Runs wrk (-t2 -cN -dS --latency) against the three in turn, each after a short
   warm-up, then the old cached case as a secondary line: one mirrorlist URL with `ip=`
   cycling over 1,000 random IPv4 addresses (once answered from a per-address memo, which
   the front no longer keeps).
6. Prints a table: requests/s, the ratios, p50/p99, errors (socket errors and non-2xx/3xx
   answers), bytes per answer, the servers' worker CPU µs per request (and wrk's), and
   the granian workers' RSS after the runs. Exits 1 when any run had errors.
7. The cost of the front's request tallies (/metrics), in this process: the real front's
   call path over the mix's requests, each from a different client address, with the
   tallies against without (interleaved rounds, the median difference), the same on the
   shortest answer (a 405), and for comparison prometheus-client's own Counter.inc and
   Histogram.observe, plain and in its multiprocess mode. Exits 1 when the tallies cost
   more than 1 µs a request. `--tallies-only` runs just this (no wrk, nginx or granian).
   Times are the measuring thread's CPU time (time.thread_time_ns), so that other load on
   the machine, which deschedules the thread, does not land on one side of a difference.
8. Before all that: the snapshot's build time (the real builder), and the time and RSS to
   load it into a fresh process as a worker does, then to swap in a second copy
   (`--mirrors 100000` gives the issue's 100,000-mirror figures).

Swap mode (`--swap MINUTES`, `--swap-every 10`): instead of the table, the portal alone
under the mix for MINUTES in one-second wrk slices while a snapshot is published every
`--swap-every` seconds (bench/delivery_swap.py); prints the p99 of each second around each
publication and every worker's RSS at the start and the end. bench/soak.py is the same
machinery for an hour in 5-minute windows.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from delivery_costs import load_figures, tally_cost
from delivery_mix import cached_script, catalogue, fetch, geoip_pools, mix_script, wait_for
from delivery_servers import (
    check_answers,
    measure,
    run_wrk,
    start_granian,
    start_nginx,
    workers,
    write_bare_app,
)
from delivery_setup import (
    BASE_DIR,
    CACHED_PATH,
    POOL_SIZES,
    free_port,
    generate_rows,
    setup_django,
)

# What bench/delivery_swap.py, soak.py and profile_worker.py import from this module.
__all__ = [
    "BASE_DIR", "catalogue", "free_port", "generate_rows", "geoip_pools", "main",
    "mix_script", "run_wrk", "setup_django", "start_granian", "wait_for", "workers",
]  # fmt: skip


def swap_mode(args, base: str, pid: int, script: Path) -> int:
    """--swap: a snapshot published every --swap-every seconds for --swap minutes under
    the mix; RSS at start and end, p99 per second around each swap."""
    import delivery_swap

    print(
        f"swap mode: {args.swap} min, a snapshot every {args.swap_every:g} s, wrk in 1 s"
        f" slices at -c{args.connections}"
    )
    result = delivery_swap.run(
        base, pid, script, seconds=args.swap * 60, slice_s=1,
        publish_every=args.swap_every, conns=args.connections,
    )  # fmt: skip
    p99s = sorted(r["p99"] for _, r in result["slices"])
    print(
        f"{len(result['slices'])} one-second slices, {len(result['published'])} snapshots"
        f" published; p99 per second: median {p99s[len(p99s) // 2]:.1f} ms, worst"
        f" {p99s[-1]:.1f} ms; errors {delivery_swap.errors(result)}"
    )
    print("p99 per second around each swap (seconds after the publication):")
    print("\n".join(delivery_swap.around_swaps(result)))
    print("worker RSS:")
    print("\n".join(delivery_swap.rss_lines(result)))
    print("\n".join(delivery_swap.rss_series(result, every=30)))
    return 1 if delivery_swap.errors(result) else 0


def report(args, results: dict, rss: dict, cached: dict | None) -> None:
    print(
        f"\nwrk -t2 -c{args.connections} -d{args.duration}s --latency; {args.mirrors} mirrors;"
        f" granian {args.workers} WSGI workers {args.granian_args}; {os.cpu_count()} CPUs"
    )
    header = (
        f"{'':22} {'req/s':>9} {'/nginx':>7} {'p50 ms':>7} {'p99 ms':>7} {'errors':>7}"
        f" {'B/answer':>9} {'CPU us/req':>10} {'wrk us/req':>10} {'load':>10}  worker RSS"
    )
    print(header + "\n" + "-" * len(header))

    def line(label: str, r: dict, nginx: dict, rss_key=None) -> None:
        memory = ", ".join(f"{m / 2**20:.0f}" for m in rss.get(rss_key, [])) if rss_key else ""
        errors = r["socket_errors"] + r["non_2xx"]
        print(
            f"{label:22} {r['rps']:>9.0f} {r['rps'] / nginx['rps']:>7.2f} {r['p50']:>7.2f}"
            f" {r['p99']:>7.2f} {errors:>7} {r['bytes']:>9.0f} {r['cpu_us']:>10.1f}"
            f" {r['wrk_us']:>10.1f} {r['load'][0]:>4.1f}-{r['load'][1]:<4.1f}"
            f"  {memory + ' MiB' if memory else ''}"
        )

    n = results["nginx"]
    line("nginx (static)", n, n)
    line("bare WSGI (granian)", results["bare"], n, "bare")
    line("portal (mix)", results["portal"], n, "portal")
    if cached:
        print("secondary: the cached case (one URL, ip= over 1,000 IPv4)")
        line("nginx (static)", cached["nginx"], cached["nginx"])
        line("portal (cached)", cached["portal"], cached["nginx"], "portal")
    p, b = results["portal"], results["bare"]
    print(
        f"ratios (mix): portal/nginx {p['rps'] / n['rps']:.2f}, bare/nginx"
        f" {b['rps'] / n['rps']:.2f}, portal/bare {p['rps'] / b['rps']:.2f}"
    )
    for name, r in (*results.items(), *((f"cached {k}", v) for k, v in (cached or {}).items())):
        if r["socket_errors"] or r["non_2xx"]:
            print(f"{name}: {r['socket_errors']} socket errors, {r['non_2xx']} non-2xx/3xx")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mirrors", type=int, default=10_000)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--granian-args",
        default="--blocking-threads 2",
        help="extra granian options (default: %(default)s)",
    )
    parser.add_argument(
        "--no-country",
        type=float,
        default=0.05,
        help="share of client addresses from networks GeoIP has no country for"
        " (default: %(default)s)",
    )
    parser.add_argument("--no-cached", action="store_true", help="skip the cached case")
    parser.add_argument(
        "--swap",
        type=float,
        default=0,
        metavar="MINUTES",
        help="swap mode: the mix for MINUTES while snapshots are published (no table)",
    )
    parser.add_argument(
        "--swap-every", type=float, default=10.0, help="seconds between snapshots in swap mode"
    )
    parser.add_argument("--verbose", action="store_true", help="print wrk's own output too")
    parser.add_argument(
        "--tallies-only",
        "--counters-only",  # its old name
        action="store_true",
        help="only the cost of the front's tallies",
    )
    args = parser.parse_args(argv)
    for tool in () if args.tallies_only else ("wrk", "nginx"):
        if not (shutil.which(tool) or Path(f"/usr/sbin/{tool}").exists()):
            print(f"{tool} is not installed (apt-get install wrk nginx-light)")
            return 2

    tmp = Path(tempfile.mkdtemp(prefix="delivery-bench-"))
    procs: list[subprocess.Popen] = []
    try:
        started = time.monotonic()
        env = setup_django(tmp)
        generate_rows(args.mirrors)
        from apps.delivery.services import snapshot_publish

        cpu = time.process_time()
        row = snapshot_publish(reason="benchmark")
        print(
            f"snapshot {row.version}: {row.mirror_count} mirrors, {row.size / 1e6:.1f} MB "
            f"(orjson), built in {row.build_ms} ms ({time.process_time() - cpu:.1f} s of CPU,"
            f" SQLite included); setup {time.monotonic() - started:.1f} s"
        )
        from apps.delivery.selectors import snapshot_latest

        load_figures(tmp, bytes(snapshot_latest()[1]))
        urls = catalogue()
        pools = geoip_pools()
        print(
            f"mix: {len(urls['mirrorlist'])} release/repo/arch, {len(urls['iso'])} ISOs;"
            f" GeoIP networks sampled: "
            + ", ".join(
                f"{v} {'country' if has else 'no country'} {len(pools[(v, has)])}"
                for v, has in POOL_SIZES
            )
        )
        tallies_ns = 0 if args.swap else tally_cost(tmp, urls, pools, args.no_country)
        if args.tallies_only:
            return 0 if tallies_ns <= 1000 else 1

        port, bare_port, nginx_port = free_port(), free_port(), free_port()
        server_env = {**os.environ, **env}
        granian = start_granian("portal.wsgi:application", port, args, server_env, BASE_DIR)
        procs.append(granian)
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/healthz")
        for i in range(200):  # both workers: snapshot loaded
            wait_for(base + CACHED_PATH + f"&ip=81.2.69.{i % 250 + 1}")
        checked = check_answers(port, urls, pools, args.no_country, 400)
        samples = checked["samples"]
        sent = sum(checked["statuses"].values())
        countries = checked["countries"]
        print(
            f"{sent} sample requests: "
            + ", ".join(f"{s}: {c}" for s, c in sorted(checked["statuses"].items()))
            + f"; addresses with no country {countries[None] / sent:.0%},"
            f" {len(countries) - (None in countries)} countries"
            f" (top: {', '.join(f'{k} {v}' for k, v in countries.most_common(6) if k)})"
        )
        bad = {s: c for s, c in checked["statuses"].items() if s not in (200, 302)}
        if bad:
            print(f"wrong answers in the sample: {bad}")
            return 1
        for kind, (status, _headers, body, wire) in samples.items():
            print(f"{kind}: {status}, body {len(body)} bytes, response {wire} bytes")

        if args.swap:
            script = mix_script(tmp, pools, urls, args.no_country)
            run_wrk(base, script, 3, args.connections)  # warm-up
            return swap_mode(args, base, granian.pid, script)

        write_bare_app(tmp, samples)
        bare = start_granian(
            "bare_app:app", bare_port, args, {**server_env, "PYTHONPATH": str(tmp)}, tmp
        )
        procs.append(bare)
        nginx = start_nginx(tmp, samples, nginx_port)
        procs.append(nginx)
        static, bare_url = f"http://127.0.0.1:{nginx_port}", f"http://127.0.0.1:{bare_port}"
        wait_for(static + "/mirrorlist")
        wait_for(bare_url + "/mirrorlist")
        for path in (urls["mirrorlist"][0], urls["metalink"][0], urls["iso"][0]):
            assert (
                fetch(bare_port, path)[3]
                == samples["iso" if path.startswith("/iso") else path[1:].split("?")[0]][3]
            ), path

        script = mix_script(tmp, pools, urls, args.no_country)
        sides = (
            ("nginx", static, nginx.pid),
            ("bare", bare_url, bare.pid),
            ("portal", base, granian.pid),
        )
        results = {}
        for name, url, pid in sides:
            # Warm-up: caches and plans fill as in a long-running worker.
            run_wrk(url, script, 3, args.connections)
            results[name] = measure(url, pid, script, args)
        cached = None
        if not args.no_cached:
            old, no_country = cached_script(tmp)
            print(f"cached case: 1,000 IPv4 addresses, {no_country} with no country")
            run_wrk(base, old, 3, args.connections)
            cached = {name: measure(url, pid, old, args) for name, url, pid in (sides[0], sides[2])}
        rss = {
            name: [w.memory_info().rss for w in workers(pid)]
            for name, pid in (("bare", bare.pid), ("portal", granian.pid))
        }
        report(args, results, rss, cached)
        runs = [*results.values(), *(cached or {}).values()]
        failed = any(r["socket_errors"] or r["non_2xx"] for r in runs)
        return 1 if failed or tallies_ns > 1000 else 0
    finally:
        for proc in reversed(procs):
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
