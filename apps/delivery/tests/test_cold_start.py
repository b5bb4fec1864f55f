"""A worker that just started answers nothing before its snapshot is loaded: concurrent
first requests wait for the file copy instead of getting 503s."""

from __future__ import annotations

import threading

from apps.delivery.store import SnapshotStore

from .fixtures import call, new_front

THREADS = 48
ROUNDS = 3


def test_concurrent_first_requests_wait_for_the_file_copy(published, tmp_path):
    row, _ = published
    cache = tmp_path / "snapshot.json"
    SnapshotStore(poll_seconds=0, cache_path=cache).install(bytes(row.blob))
    statuses: list[int] = []
    for _ in range(ROUNDS):
        front = new_front(SnapshotStore(poll_seconds=0, cache_path=cache))
        barrier = threading.Barrier(THREADS)

        def ask(front=front, barrier=barrier):
            barrier.wait()
            answer = call(front, "/mirrorlist", "release=5&arch=x86_64&repo=os&cc=GB")
            statuses.append(answer.status)

        threads = [threading.Thread(target=ask) for _ in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert len(statuses) == THREADS * ROUNDS
    assert statuses.count(503) == 0
    assert set(statuses) == {200}


def test_a_store_that_could_load_nothing_still_starts_once(tmp_path):
    """No file and no polling: the first request finds no snapshot (503), and the store does
    not retry the load on every request."""
    store = SnapshotStore(poll_seconds=0, cache_path=tmp_path / "missing.json")
    front = new_front(store)
    assert call(front, "/mirrorlist", "release=5&arch=x86_64&repo=os").status == 503
    assert store.snapshot is None
    calls = []
    store.load_cache = lambda: calls.append(1) or False
    assert call(front, "/mirrorlist", "release=5&arch=x86_64&repo=os").status == 503
    assert calls == []
