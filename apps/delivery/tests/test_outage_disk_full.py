"""The disk fills while a delivery worker writes its copy of the snapshot (the file a worker
serves from when it starts with the database down): the new snapshot is served from memory,
the previous copy stays whole for the next start, and no torn file holds the space.

A real full filesystem: a tmpfs of a few pages (the tests run as root; elsewhere skipped)."""

import contextlib
import os
import subprocess
import uuid
from pathlib import Path

import pytest

from apps.delivery.services import snapshot_publish
from apps.delivery.store import SnapshotStore


@pytest.fixture
def tiny_disk(tmp_path):
    where = tmp_path / "tiny"
    where.mkdir()
    done = subprocess.run(  # noqa: S603
        ["mount", "-t", "tmpfs", "-o", "size=64k", f"tmpfs-{uuid.uuid4().hex[:6]}", str(where)],
        capture_output=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)  # noqa: S603, S607


def fill(folder: Path) -> Path:
    filler = folder / "filler"
    with contextlib.suppress(OSError), filler.open("wb") as out:
        while True:
            out.write(b"\0" * 4096)
            out.flush()
            os.fsync(out.fileno())
    return filler


def test_a_full_disk_keeps_the_previous_copy_whole(published, tiny_disk, caplog):
    first = published[0]
    cache = tiny_disk / "snapshot.json"
    store = SnapshotStore(poll_seconds=0, cache_path=cache)
    store.install(bytes(first.blob))
    assert cache.read_bytes() == bytes(first.blob)
    filler = fill(tiny_disk)

    second = snapshot_publish(reason="while the disk is full")
    store.install(bytes(second.blob))
    assert store.version == second.version  # served from memory all the same
    assert "cannot write snapshot cache" in caplog.text and "No space left" in caplog.text
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["filler", "snapshot.json"]
    fresh = SnapshotStore(poll_seconds=0, cache_path=cache)
    assert fresh.load_cache() and fresh.version == first.version  # whole, and usable

    filler.unlink()  # space again: the next snapshot's copy is written
    third = snapshot_publish(reason="space again")
    store.install(bytes(third.blob))
    fresh = SnapshotStore(poll_seconds=0, cache_path=cache)
    assert fresh.load_cache() and fresh.version == third.version
