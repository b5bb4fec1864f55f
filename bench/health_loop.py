"""Benchmark of the health loop: rounds over N simulated mirrors on 127.0.0.0/8, 5% of which
accept connections and never answer, run by the same service as the periodic task.

    .venv/bin/python bench/health_loop.py --mirrors 10000

The farm and the database are built as bench/check_sweep.py builds them (one http URL per
mirror, every mirror up; a throwaway SQLite file unless --database-url is given, which is
migrated and FLUSHED). A first round remembers the master's time and takes nobody down;
the rounds measured after it take the hung mirrors down (their checks, emails and the
lists' rebuild request included), then count failures. Prints requests and seconds per
round, requests per second, the CPU seconds of a round (time.process_time: probing and
recording) and what that is of one core at the health interval (the budget: under 10%).

    .venv/bin/python bench/health_loop.py --death

The path from a mirror's death to its absence from every answer, with the default settings,
at the worst phase (or `--phase middle`, half an interval after the round that probed it):
8 current mirrors on 127.0.0.x, the portal's health round every interval (as beat would run
it), a real Celery worker (Redis broker, --broker) for the snapshot
rebuilds and the re-checks, and the real front (portal.wsgi under granian, 2 workers, each
polling for snapshots). Right after a round has probed it, the victim refuses connections,
then (second scenario) drops every SYN (a blackhole), then accepts and never answers; each
time the front is asked (3 mirrorlists and 3 metalinks every 0.2 s) until no answer names it,
and it is brought back right after the next round, until every answer names it again.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mirrors", type=int, default=10000)
    parser.add_argument("--hang-percent", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3, help="measured rounds")
    parser.add_argument("--timeout", type=float, default=10.0, help="MIRROR_HEALTH_TIMEOUT, s")
    parser.add_argument("--interval", type=float, default=60.0, help="the health interval, s")
    parser.add_argument("--concurrency", type=int, help="MIRROR_HEALTH_CONCURRENCY")
    parser.add_argument("--port", type=int, default=8490)
    parser.add_argument("--base", default="127.2.0.1", help="the master's address")
    parser.add_argument("--database-url", help="default: a throwaway SQLite file")
    parser.add_argument("--profile", action="store_true", help="cProfile the last round")
    parser.add_argument("--death", action="store_true", help="death to absence, see above")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/8", help="with --death")
    parser.add_argument(
        "--phase", default="worst",
        help="with --death: when the victim changes after the round that probed it: worst"
        " (at once), middle (half an interval later) or a number of seconds",
    )  # fmt: skip
    args = parser.parse_args()
    if args.death:
        return _death_main(args)

    from apps.core.testing.mirrorfarm import raise_fd_limit

    raise_fd_limit(20000)
    tmp = tempfile.TemporaryDirectory(prefix="health-loop-")
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{tmp.name}/bench.sqlite3"
    os.environ["MIRROR_HEALTH_TIMEOUT"] = str(args.timeout)
    os.environ["MIRROR_CHECK_ALLOW_NETWORKS"] = "127.0.0.0/8"
    os.environ["EMAIL_URL"] = "memorymail://"
    os.environ["CELERY_BROKER_URL"] = "memory://"  # the queued re-checks stay here
    os.environ["DELIVERY_REBUILD_ON_CHANGE"] = "false"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if args.concurrency:
        os.environ["MIRROR_HEALTH_CONCURRENCY"] = str(args.concurrency)

    from check_sweep import _farm_start, _network_create

    farm = _farm_start(args, Path(tmp.name))
    try:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        if args.database_url:
            call_command("flush", interactive=False, verbosity=0)  # a database to throw away
        master_url = f"http://{args.base}:{args.port}/centos/"
        mirrors = _network_create(master_url, farm_manifest=Path(tmp.name) / "manifest.csv")
        return _rounds_measure(args, mirrors, settings, farm_pid=farm.pid)
    finally:
        farm.terminate()
        farm.wait(10)
        tmp.cleanup()


def _rounds_measure(args, mirrors: int, settings, *, farm_pid: int) -> int:
    import cProfile
    import pstats

    import psutil

    from apps.mirrors import services

    farm = psutil.Process(farm_pid)
    parts = _parts_timed()
    started = time.perf_counter()
    first = services.health_round()
    print(f"first round: {first.mirrors} mirrors, {first.failed} failed, master refreshed: "
          f"{first.master_changed}, {time.perf_counter() - started:.1f} s")  # fmt: skip
    rows = []
    profile = cProfile.Profile() if args.profile else None
    for number in range(1, args.rounds + 1):
        last = number == args.rounds
        farm_before = sum(farm.cpu_times()[:2])
        cpu, wall = time.process_time(), time.perf_counter()
        if profile is not None and last:
            profile.enable()
        report = services.health_round()
        if profile is not None and last:
            profile.disable()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        rows.append((report, wall, cpu, sum(farm.cpu_times()[:2]) - farm_before))
        if number == 1:
            parts.clear()  # the round that takes the hung mirrors down is shown apart
    print()
    print(f"{'round':<6} {'mirrors':>8} {'requests':>9} {'failed':>7} {'down':>5} {'s':>6} "
          f"{'req/s':>7} {'CPU s':>6} {'farm CPU s':>10}")  # fmt: skip
    for number, (report, wall, cpu, farm_cpu) in enumerate(rows, 1):
        print(f"{number:<6} {report.mirrors:>8} {report.requests:>9} {report.failed:>7} "
              f"{len(report.taken_down):>5} {wall:>6.1f} {report.requests / wall:>7.0f} "
              f"{cpu:>6.2f} {farm_cpu:>10.2f}")  # fmt: skip
    requests = sum(r.requests for r, *_ in rows) / len(rows)
    wall = sum(w for _r, w, _c, _f in rows) / len(rows)
    cpu = sum(c for _r, _w, c, _f in rows) / len(rows)
    print()
    for label, value in (
        ("mirrors", f"{mirrors} ({args.hang_percent:g}% hang, timeout {args.timeout:g} s)"),
        ("requests per round", f"{requests:.0f}"),
        ("seconds per round", f"{wall:.1f} (the hung mirrors' timeout is the floor)"),
        ("requests per second", f"{requests / wall:.0f}"),
        ("CPU per round", f"{cpu:.2f} s ({cpu / requests * 1e6:.0f} us a request, recording "
                          f"included)"),
        ("CPU at the interval", f"{cpu / args.interval * 100:.1f}% of one core every "
                                f"{args.interval:g} s (budget: 10%)"),
        ("CPU by part", ", ".join(f"{name} {spent / max(1, len(rows) - 1):.2f} s"
                                  for name, spent in parts.items()) + " (steady rounds)"),
        ("concurrency", f"{settings.MIRROR_HEALTH_CONCURRENCY} requests, "
                        f"{settings.MIRROR_CHECK_PER_HOST} per host"),
        ("database", settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]),
        ("load average", " ".join(f"{x:.1f}" for x in os.getloadavg())),
    ):  # fmt: skip
        print(f"{label:<20} {value}")
    if profile is not None:
        print()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
    return 0


def _parts_timed() -> dict[str, float]:
    """CPU seconds spent in each part of the round (reading, probing, recording, master)."""
    from apps.mirrors.services import health

    spent: dict[str, float] = {}

    def timed(name: str, function):
        def wrapper(*args, **kwargs):
            start = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.process_time() - start

        return wrapper

    for name, attr in (("reading", "_mirrors_load"), ("probing", "loop_run"),
                       ("recording", "_outcomes_record"), ("master", "_master_watch")):  # fmt: skip
        setattr(health, attr, timed(name, getattr(health, attr)))
    return spent


COUNTRIES = ("GB", "US", "JP")
PATHS = [f"/mirrorlist?release=5.0&arch=x86_64&repo=os&cc={cc}" for cc in COUNTRIES] + [
    f"/metalink?repo=os-5.0&arch=x86_64&cc={cc}" for cc in COUNTRIES
]


def _death_main(args) -> int:
    import random
    import socket
    import subprocess
    import uuid

    tmp = tempfile.TemporaryDirectory(prefix="health-death-")
    env = {
        "DATABASE_URL": args.database_url or f"sqlite:///{tmp.name}/bench.sqlite3",
        "CELERY_BROKER_URL": args.broker,
        "MIRROR_CHECK_ALLOW_NETWORKS": "127.0.0.0/8",
        "DELIVERY_SNAPSHOT_CACHE": f"{tmp.name}/snapshot.json",
        "EMAIL_URL": "memorymail://",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DEBUG": "false",
        "SECRET_KEY": "bench-" + uuid.uuid4().hex,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "STATIC_ROOT": f"{tmp.name}/static",  # collected below: production refuses without
    }
    os.environ.update(env)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from apps.core.testing.mirrorfarm import MirrorFarm, build_master_tree, small_spec
    from apps.core.testing.worker import celery_worker
    from portal.celery import app

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    if args.database_url:
        call_command("flush", interactive=False, verbosity=0)  # a database to throw away
    farm = MirrorFarm(build_master_tree(Path(tmp.name) / "tree", small_spec()), https=False)
    names = [f"m{i:02d}" for i in range(8)]
    for name in names:
        farm.add_mirror(name, _behaviour("CURRENT"))
    queue = f"death-{uuid.uuid4().hex[:8]}"
    app.conf.broker_url, app.conf.task_default_queue = args.broker, queue
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    front = None
    try:
        with farm, celery_worker(queue=queue, broker=args.broker,
                                 database_url=env["DATABASE_URL"]):  # fmt: skip
            from push_scenario import _network

            _network(farm, names, random.Random(1))
            front = subprocess.Popen(  # noqa: S603  (our own granian)
                [str(ROOT / ".venv/bin/granian"), "--interface", "wsgi", "--workers", "2",
                 "--host", "127.0.0.1", "--port", str(port), "--no-ws", "--log-level",
                 "warning", "--no-access-log", "portal.wsgi:application"],
                cwd=ROOT, env={**os.environ}, stdout=subprocess.DEVNULL,
            )  # fmt: skip
            rows = _death_scenarios(args, farm, f"http://127.0.0.1:{port}", names)
    finally:
        if front is not None:
            front.terminate()
            front.wait(10)
        app.control.purge()
        tmp.cleanup()
    health = settings.MIRROR_HEALTH_TIMEOUT, settings.MIRROR_HEALTH_CONNECT_TIMEOUT
    print(f"\nHealth round every {args.interval:g} s (the default: "
          f"{settings.MIRROR_HEALTH_INTERVAL_SECONDS:g} s), timeout "
          f"{health[0]:g} s (connect {health[1]:g} s), confirmation after "
          f"{settings.MIRROR_HEALTH_CONFIRM_SECONDS:g} s, rebuild "
          f"debounce {settings.DELIVERY_REBUILD_DEBOUNCE_SECONDS:g} s, front poll "
          f"{settings.DELIVERY_POLL_SECONDS:g} s")  # fmt: skip
    delay = _phase_seconds(args)
    bound = 75 if delay == 0 else 60
    where = "worst phase" if delay == 0 else f"{delay:g} s after the round's probe"
    print(f"{'victim':<10} {'gone after s':>13} {'back after s':>13}  ({where}; bound {bound} s)")
    for behaviour, gone, back in rows:
        print(f"{behaviour:<10} {gone:>13.1f} {back:>13.1f}")
    return 0 if all(g <= bound and b <= bound for _n, g, b in rows) else 1


def _phase_seconds(args) -> float:
    """How long after the round that probed the victim it dies (or comes back): 0 is the
    worst phase (the next round is a whole interval away)."""
    if args.phase == "worst":
        return 0.0
    if args.phase == "middle":
        return args.interval / 2
    return float(args.phase)


def _behaviour(name: str):
    from apps.core.testing.mirrorfarm import Behaviour

    return Behaviour[name]


def _death_scenarios(args, farm, base: str, names: list[str]) -> list[tuple[str, float, float]]:
    import threading
    import urllib.request

    from apps.mirrors.services import sweep_run
    from apps.mirrors.services.health import health_round

    # A victim per scenario: a mirror back is re-checked at most every RECHECK_MIN_SECONDS.
    victims = dict(zip(("REFUSED", "BLACKHOLE", "HANG"), names, strict=False))
    urls = {name: farm[victim].base_url for name, victim in victims.items()}
    seen: list[tuple[float, dict[str, bool]]] = []  # (when, {victim: named in some answer})
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            at, named = time.monotonic(), dict.fromkeys(urls, False)
            try:
                for path in PATHS:
                    with urllib.request.urlopen(base + path, timeout=5) as answer:  # noqa: S310
                        body = answer.read().decode()
                    for name, url in urls.items():
                        named[name] = named[name] or url in body
            except OSError:
                named = None  # the front not up yet
            if named is not None:
                seen.append((at, named))
            stop.wait(0.2)

    def first(name: str, named: bool, since: float) -> float | None:
        return next((at for at, n in list(seen) if at > since and n[name] is named), None)

    schedule = [time.monotonic()]

    def round_at_pace() -> None:  # as beat runs it: every interval, whatever a round took
        while time.monotonic() < schedule[0]:
            time.sleep(0.05)
        schedule[0] += args.interval
        health_round()

    sweep_run()  # everyone current and listed
    health_round()  # the master's time remembered
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    rows = []
    try:
        while any(first(name, True, 0) is None for name in victims):
            time.sleep(0.1)
        schedule[0] = time.monotonic()
        for name in ("REFUSED", "BLACKHOLE", "HANG"):
            found = {}
            for phase, behaviour, named in (("gone", name, False), ("back", "CURRENT", True)):
                round_at_pace()  # the round that probed it last as it was
                time.sleep(_phase_seconds(args))  # 0: right after its probe, the worst phase
                farm.set_behaviour(victims[name], _behaviour(behaviour))  # right after its probe
                changed = time.monotonic()
                while (at := first(name, named, changed)) is None:
                    if time.monotonic() >= schedule[0]:
                        round_at_pace()
                    time.sleep(0.05)
                found[phase] = at - changed
                print(f"{name.lower()}: {phase} after {found[phase]:.1f} s", flush=True)
            rows.append((name.lower(), found["gone"], found["back"]))
    finally:
        stop.set()
        watcher.join(5)
    return rows


if __name__ == "__main__":
    sys.exit(main())
