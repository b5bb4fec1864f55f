"""Every replaced snapshot is freed: a worker installs a new one whenever a mirror changes
state, so one kept alive per swap grows the worker until it is killed (STYLE.md, habit 14).
No database needed: synthetic snapshots installed into a store."""

import gc
import random
import weakref

import orjson

from apps.delivery.snapshot import Client
from apps.delivery.store import SnapshotStore


def blob(version: int, mirrors: int = 300) -> bytes:
    rows = [
        {
            "id": i + 1,
            "name": f"m{i}.example.org",
            "cc": ("DE", "FR", "US", "JP")[i % 4],
            "continent": ("EU", "EU", "NA", "AS")[i % 4],
            "lat": None,
            "lon": None,
            "weight": 100,
            "internal": i < 3,
            "private": False,
            "asn": 64500 + i % 7,
            "urls": {"http": [f"http://m{i}.example.org/", i % 2]},
        }
        for i in range(mirrors)
    ]
    return orjson.dumps(
        {
            "format": 1,
            "version": version,
            "built_at": 1_700_000_000.0 + version,
            "master_url": "http://master.example.org/",
            "vault_url": "http://vault.example.org/",
            "releases": {"5.0": {}},
            "aliases": {"5": "5.0"},
            "mirrors": rows,
            "netblocks": [[f"10.{i % 250}.0.0/16", i] for i in range(0, mirrors, 10)],
            "repos": {
                "5.0/os/x86_64": {
                    "path": "5.0/os/x86_64/",
                    "eol": False,
                    "mirrors": list(range(mirrors)),
                    "versions": [[1_700_000_000, "ab" * 32, "cd" * 64, 3000]],
                }
            },
            "images": {},
        }
    )


def serve(snapshot) -> None:
    """What requests do to a snapshot: plans, the special bucket, the base URLs."""
    target, _ = snapshot.repo_target("5", "os", "x86_64")
    for ip in ("10.0.1.2", "192.0.2.1", "2001:db8::1"):
        client = Client(ip=ip, country="DE", continent="EU", ipv6=":" in ip, asn=64501)
        assert snapshot.draw(target, client, count=10, rng=random.Random(1))


def test_after_n_installs_exactly_one_snapshot_is_alive():
    store = SnapshotStore(poll_seconds=0)
    alive = []
    try:
        for version in range(1, 9):
            snapshot = store.install(blob(version), write_cache=False)
            serve(snapshot)
            alive.append(weakref.ref(snapshot))
            del snapshot
        gc.collect()  # what the store did not free, a collection would not either: frozen
        living = [ref() for ref in alive if ref() is not None]
        assert [s.version for s in living] == [8]
        assert store.snapshot is living[0]
    finally:
        gc.unfreeze()


def test_a_snapshot_a_request_still_held_during_the_swap_is_freed_when_it_lets_go():
    """A request in flight keeps the old snapshot past the swap (and the store's freeze):
    it must still go as soon as the request drops it."""
    store = SnapshotStore(poll_seconds=0)
    try:
        in_flight = store.install(blob(1), write_cache=False)
        serve(in_flight)
        old = weakref.ref(in_flight)
        serve(store.install(blob(2), write_cache=False))
        serve(in_flight)  # the request finishes on the snapshot it started with
        del in_flight
        assert old() is None
        assert store.snapshot.version == 2
    finally:
        gc.unfreeze()
