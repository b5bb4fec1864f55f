"""The hour after a push, in a farm: the master's share of metalink and mirrorlist answers
while 10 mirrors catch up, each at a random moment over 30 minutes.

    .venv/bin/python bench/push_scenario.py                 # 1 simulated minute = 1 s
    .venv/bin/python bench/push_scenario.py --minute 2 --mirrors 10 --seed 7

Everything is real but the clock: farm mirrors on 127.0.0.x, the portal's health loop
(run each "minute", as beat would), a real Celery worker (another process, Redis broker)
running the push's content re-checks spread over 10 "minutes" and the snapshot rebuilds,
a sweep every 30 "minutes". The master pushes at minute 0; mirror i switches to the new
version at a random minute in [0, 30). Each minute, after the newest snapshot is loaded,
`--clients` answers per endpoint are drawn for clients in as many countries, exactly as
the front draws them. Printed: the share of answers whose first URL is the master (the
client downloads repomd.xml from it) for the metalink, the mirrorlist with the grace
window (the default) and without it, and the same snapshot built without any grace window
(what the lists did before), per 5 minutes and for the hour; then how many minutes each
mirror took from its catch-up to its return to the lists as current.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COUNTRIES = ["GB", "FR", "DE", "NL", "SE", "US", "CA", "BR", "JP", "IN", "AU", "ZA"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mirrors", type=int, default=10)
    parser.add_argument("--minute", type=float, default=1.0, help="real seconds per minute")
    parser.add_argument("--minutes", type=int, default=60)
    parser.add_argument("--catch-up", type=int, default=30, help="mirrors catch up within")
    parser.add_argument("--clients", type=int, default=200, help="answers per endpoint/minute")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--database-url", help="default: a throwaway SQLite file")
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="the lists before the health loop and the grace window: sweeps only (the first "
        "a minute after the push), no re-checks, current mirrors only",
    )
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory(prefix="push-scenario-")
    minute = args.minute
    env = {
        "DATABASE_URL": args.database_url or f"sqlite:///{tmp.name}/bench.sqlite3",
        "CELERY_BROKER_URL": args.broker,
        "MIRROR_CHECK_ALLOW_NETWORKS": "127.0.0.0/8",
        "MIRROR_CHECK_TIMEOUT": "2",
        "MIRROR_CHECK_CONNECT_TIMEOUT": "1",
        "MIRROR_HEALTH_INTERVAL_SECONDS": str(minute),
        "MIRROR_HEALTH_TIMEOUT": str(max(0.5, minute / 2)),
        "MIRROR_PUSH_RECHECK_WINDOW_SECONDS": str(10 * minute),
        "MIRROR_RECHECK_MIN_SECONDS": str(5 * minute),
        "DELIVERY_REBUILD_DEBOUNCE_SECONDS": str(min(5.0, minute / 4)),
        "DELIVERY_SNAPSHOT_CACHE": f"{tmp.name}/snapshot.json",
        "EMAIL_URL": "memorymail://",
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
    }
    if args.baseline:
        env["DELIVERY_GRACE_SECONDS"] = "0"
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    from apps.core.testing.mirrorfarm import Behaviour, MirrorFarm, build_master_tree, small_spec
    from apps.core.testing.worker import celery_worker

    call_command("migrate", verbosity=0)
    if args.database_url:
        call_command("flush", interactive=False, verbosity=0)  # a database to throw away
    rng = random.Random(args.seed)
    farm = MirrorFarm(build_master_tree(Path(tmp.name) / "tree", small_spec()), https=False)
    farm.set_behaviour("master", Behaviour.BEHIND, versions_behind=1)
    names = [f"m{i:02d}" for i in range(args.mirrors)]
    for name in names:
        farm.add_mirror(name, Behaviour.BEHIND, versions_behind=1)
    queue = f"push-{uuid.uuid4().hex[:8]}"
    from portal.celery import app

    app.conf.broker_url = args.broker
    app.conf.task_default_queue = queue
    if args.baseline:  # no worker: the re-checks the sweeps queue never run
        with farm:
            rows = _scenario(args, farm, names, rng)
        app.control.purge()
    else:
        with farm, celery_worker(queue=queue, broker=args.broker, database_url=env["DATABASE_URL"]):
            rows = _scenario(args, farm, names, rng)
    _print(args, rows)
    tmp.cleanup()
    return 0


def _network(farm, names, rng):
    from apps.mirrors.tests.factories import (
        MirrorFactory,
        MirrorURLFactory,
        master_mirror_create,
    )
    from apps.releases.models import Architecture, Release, Repository

    arches = [Architecture.objects.create(name=n) for n in ("x86_64", "i386")]
    repos = [Repository.objects.create(name=n) for n in ("os", "updates", "extras")]
    release = Release.objects.create(version="5.0", major=5, minor=0)
    release.architectures.set(arches)
    release.repositories.set(repos)
    master_mirror_create(farm.master.base_url)
    for name in names:
        cc = rng.choice(COUNTRIES)
        mirror = MirrorFactory(name=f"{name}.farm.test", country=cc, status="unknown")
        MirrorURLFactory(mirror=mirror, url=farm[name].base_url)


def _scenario(args, farm, names, rng):
    from django.conf import settings
    from django.test import override_settings

    from apps.delivery.selectors import snapshot_data_collect
    from apps.delivery.services import snapshot_publish
    from apps.delivery.snapshot import LoadedSnapshot
    from apps.delivery.store import SnapshotStore
    from apps.mirrors.services import sweep_run
    from apps.mirrors.services.health import health_round

    _network(farm, names, rng)
    sweep_run()  # everyone holds the master's version: all current
    snapshot_publish(reason="before the push")
    if not args.baseline:
        health_round()  # the master watch learns the master's timestamp
    store = SnapshotStore(poll_seconds=0)
    catch_up = {name: rng.uniform(0, args.catch_up) for name in names}
    store.poll_once()
    old_sha = store.snapshot.repos["5.0/os/x86_64"].versions[0][1]
    farm.set_behaviour("master", Behaviour_current())  # the push, at minute 0
    start = time.monotonic()
    rows, first_current = [], {}
    for m in range(args.minutes + 1):
        while time.monotonic() < start + m * args.minute:
            time.sleep(0.01)
        for name, at in catch_up.items():
            if at <= m and farm[name].behaviour is not Behaviour_current():
                farm.set_behaviour(name, Behaviour_current())
        if args.baseline:
            if m % 30 == 1:
                sweep_run()  # it publishes the snapshot itself
        else:
            if m and m % 30 == 0:
                sweep_run()
            health_round()
        store.poll_once()
        snapshot = store.snapshot
        with override_settings(DELIVERY_GRACE_SECONDS=0):
            data = snapshot_data_collect()
        data.update(version=0, built_at=time.time())
        strict = LoadedSnapshot(data, nearby_km=settings.DELIVERY_NEARBY_KM)
        rows.append(_sample(args, m, snapshot, strict, rng))
        target = snapshot.repos["5.0/os/x86_64"]
        if target.versions[0][1] != old_sha:  # the snapshot knows the push
            for index in target.mirrors:
                name = snapshot.mirrors[index].name.split(".")[0]
                if catch_up[name] <= m:
                    first_current.setdefault(name, m)
    returns = {n: first_current[n] - catch_up[n] for n in names if n in first_current}
    return rows, returns, catch_up


def Behaviour_current():  # noqa: N802  (the farm's enum, imported late)
    from apps.core.testing.mirrorfarm import Behaviour

    return Behaviour.CURRENT


def _sample(args, m, snapshot, strict, rng):
    from apps.core.geo import COUNTRIES as GEO
    from apps.delivery.snapshot import MASTER, Client

    counts = dict.fromkeys(("metalink", "mirrorlist", "mirrorlist-strict", "before"), 0)
    firsts: dict[str, int] = {}
    for _ in range(args.clients):
        cc = rng.choice(COUNTRIES)
        client = Client(ip=None, country=cc, continent=GEO[cc].continent)
        for key, snap, count, grace in (
            ("metalink", snapshot, 20, True),
            ("mirrorlist", snapshot, 10, True),
            ("mirrorlist-strict", snapshot, 10, False),
            ("before", strict, 20, True),
        ):
            target = snap.repos["5.0/os/x86_64"]
            first = snap.draw(target, client, count=count, grace=grace, rng=rng)[0]
            counts[key] += first.bucket == MASTER
            if key == "metalink":
                firsts[first.url] = firsts.get(first.url, 0) + 1
    target = snapshot.repos["5.0/os/x86_64"]
    grace = len(target.grace.mirrors) if target.grace else 0
    return {"minute": m, "current": len(target.mirrors), "grace": grace,
            "busiest": max(firsts.values()) / args.clients,
            **{k: v / args.clients for k, v in counts.items()}}  # fmt: skip


def _print(args, result):
    rows, returns, catch_up = result
    if args.baseline:
        print("BASELINE: sweeps every 30 min (one a minute after the push), no health loop, "
              "no re-checks, no grace window")  # fmt: skip
    print(f"{args.mirrors} mirrors catching up over {args.catch_up} min; 1 min = "
          f"{args.minute:g} s; {args.clients} clients per endpoint and minute")  # fmt: skip
    print("master's share of first URLs (the client takes repomd.xml from the master)")
    print(f"{'minutes':>9} {'current':>8} {'grace':>6} {'metalink':>9} {'mirrorlist':>11} "
          f"{'ml no-grace':>12} {'before':>8} {'busiest':>8}")  # fmt: skip
    for start in range(0, args.minutes, 5):
        part = [r for r in rows if start <= r["minute"] < start + 5]
        if not part:
            continue

        def mean(key, part=part):
            return statistics.mean(r[key] for r in part)

        print(f"{start:>4}-{start + 4:<4} {part[-1]['current']:>8} {part[-1]['grace']:>6} "
              f"{mean('metalink'):>9.0%} {mean('mirrorlist'):>11.0%} "
              f"{mean('mirrorlist-strict'):>12.0%} {mean('before'):>8.0%} "
              f"{mean('busiest'):>8.0%}")  # fmt: skip
    hour = [r for r in rows if r["minute"] < 60]
    print(f"{'the hour':>9} {'':>8} {'':>6} "
          + " ".join(f"{statistics.mean(r[k] for r in hour):>{w}.1%}" for k, w in
                     (("metalink", 9), ("mirrorlist", 11), ("mirrorlist-strict", 12),
                      ("before", 8))))  # fmt: skip
    print("'before': the same snapshot built with no grace window (current mirrors only); "
          "'busiest': the share of metalink answers\nwhose first URL is the busiest one "
          "(with one current mirror and no grace, every client's first choice)")  # fmt: skip
    if returns:
        values = sorted(returns.values())
        print(f"catch-up to listed as current: median {statistics.median(values):.1f} min, "
              f"max {values[-1]:.1f} min over {len(values)} mirrors "
              f"(not yet: {len(catch_up) - len(values)})")  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
