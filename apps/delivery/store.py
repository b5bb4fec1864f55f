"""Each worker's copy of the published snapshot.

A background thread polls the newest version cheaply (Redis if configured, else one indexed
query), loads a newer snapshot when there is one and swaps it in; when the database or Redis
is down it keeps serving the last good one. A local file keeps the last loaded snapshot so
a worker that starts during an outage serves at once. The same thread flushes the usage
counters.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import orjson

from .render import snapshot_data_clean
from .snapshot import LoadedSnapshot, status_pack

log = logging.getLogger(__name__)

REDIS_VERSION_KEY = "delivery:snapshot:version"
REDIS_BLOB_KEY = "delivery:snapshot:blob"


def snapshot_from_blob(blob: bytes, **options) -> LoadedSnapshot:
    """Parse a snapshot, leaving out any URL or path with a character no answer may carry
    (a CR/LF from a bad row would be a line of its own in a mirrorlist)."""
    data = snapshot_data_clean(orjson.loads(blob))
    # The status API's part, compressed at once: as objects it is the largest part of the
    # parsed blob (16 MiB at 10,000 mirrors), and freed here it is not alive beside the old
    # snapshot and the new one while the rest is built.
    data["status"] = status_pack(data.get("status", {}))
    return LoadedSnapshot(data, **options)


class SnapshotStore:
    """Holds the current `LoadedSnapshot`; `snapshot` is None until a snapshot was loaded."""

    def __init__(
        self,
        *,
        poll_seconds: float = 5.0,
        cache_path: str | os.PathLike | None = None,
        redis_url: str | None = None,
        snapshot_options: dict | None = None,
        on_tick: Callable[[], None] | None = None,
    ):
        self.snapshot: LoadedSnapshot | None = None
        self.poll_seconds = poll_seconds
        self.cache_path = Path(cache_path) if cache_path else None
        self.redis_url = redis_url
        self.snapshot_options = snapshot_options or {}
        self.on_tick = on_tick
        self.last_error: str | None = None
        self.last_poll: float | None = None
        self._redis = None
        self._pid: int | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- loading ---------------------------------------------------------------------

    def install(self, blob: bytes, *, write_cache: bool = True) -> LoadedSnapshot:
        """Parse and swap in a snapshot (older versions than the current are ignored)."""
        _malloc_setup()
        snapshot = snapshot_from_blob(blob, **self.snapshot_options)
        current = self.snapshot
        if current is None or snapshot.version >= current.version:
            self.snapshot = snapshot
            del current
            _refreeze()
            if write_cache and self.cache_path:
                self._write_cache(blob)
        return self.snapshot

    def load_cache(self) -> bool:
        """Serve the locally cached snapshot if there is one (a worker's first act)."""
        if not self.cache_path or not self.cache_path.exists():
            return False
        try:
            self.install(self.cache_path.read_bytes(), write_cache=False)
        except Exception as exc:  # a torn or foreign file: ignore it, the poll will fix it
            log.warning("snapshot cache %s unreadable: %s", self.cache_path, exc)
            return False
        return True

    def poll_once(self) -> bool:
        """Load the newest published snapshot if it is newer; True if one was installed.

        Never raises: a failure is logged and kept in `last_error`, and the current snapshot
        stays.
        """
        self.last_poll = time.time()
        try:
            installed = self._poll_redis()
            if installed is None:
                installed = self._poll_database()
        except Exception as exc:
            self.last_error = f"{type(exc).__name__}: {exc}"
            log.warning("snapshot poll failed, serving version %s: %s", self.version, exc)
            _close_database_connection()
            return False
        self.last_error = None
        return installed

    def _poll_redis(self) -> bool | None:
        """True/False when Redis answered, None when it is not configured or is down."""
        if not self.redis_url:
            return None
        try:
            client = self._redis_client()
            published = client.get(REDIS_VERSION_KEY)
            if published is None:
                return None
            if self.snapshot is not None and int(published) <= self.snapshot.version:
                return False
            blob = client.get(REDIS_BLOB_KEY)
        except Exception as exc:  # the broker is down: the database may still answer
            log.info("redis unavailable for the snapshot: %s", exc)
            return None
        if blob is None:
            return None
        self.install(blob)
        return True

    def _poll_database(self) -> bool:
        from django.db import close_old_connections, connection

        from .selectors import snapshot_latest, snapshot_latest_version

        if not connection.in_atomic_block:  # the poller's own connection, not a caller's
            close_old_connections()
        version = snapshot_latest_version()
        if version is None or (self.snapshot is not None and version <= self.snapshot.version):
            return False
        latest = snapshot_latest()
        if latest is None:
            return False
        self.install(latest[1])
        return True

    def _redis_client(self):
        if self._redis is None:
            import redis

            self._redis = redis.Redis.from_url(
                self.redis_url, socket_timeout=1.0, socket_connect_timeout=1.0
            )
        return self._redis

    def _write_cache(self, blob: bytes) -> None:
        tmp = self.cache_path.with_name(f"{self.cache_path.name}.{os.getpid()}.tmp")
        try:
            self.cache_path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(blob)
            os.replace(tmp, self.cache_path)  # atomic: readers see the old or the new file
        except OSError as exc:
            # A full disk: the previous copy stays whole, and the torn one goes (it would
            # hold the space the next write needs).
            log.warning("cannot write snapshot cache %s: %s", self.cache_path, exc)
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)

    # --- the background thread ---------------------------------------------------------

    @property
    def version(self) -> int | None:
        return self.snapshot.version if self.snapshot else None

    def ensure_started(self) -> None:
        """Load the first snapshot and start the poller in this process (once; again after
        a fork).

        Synchronous: the file copy (else one poll) is loaded before this returns, and
        concurrent first requests wait on the lock rather than finding no snapshot. The
        process counts as started only once that load was tried.
        """
        pid = os.getpid()
        if self._pid == pid:
            return
        with self._lock:
            if self._pid == pid:
                return
            if self.snapshot is None and not self.load_cache() and self.poll_seconds > 0:
                self.poll_once()  # nothing to serve yet: worth one wait on the database
            if self.poll_seconds > 0:
                self._stop.clear()
                self._thread = threading.Thread(
                    target=self._run, name="delivery-snapshot", daemon=True
                )
                self._thread.start()
            self._pid = pid  # last: until here other threads wait on the lock

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
        self._pid = None

    def _run(self) -> None:
        while not self._stop.is_set():
            self.poll_once()
            if self.on_tick is not None:
                try:
                    self.on_tick()
                except Exception:
                    log.exception("delivery background tick failed")
            self._stop.wait(self.poll_seconds)


def _refreeze() -> None:
    """Free what the swap released, then move what is alive (the new snapshot) out of
    the cyclic GC's reach: full collections walking 10,000 mirrors' objects show up as
    latency tails. gc.freeze() keeps frozen objects from ever being collected as cycles, so
    the frozen generation is put back first and collected with the rest; a snapshot holds
    no reference cycle, so the old one is normally freed by its reference count already."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    _malloc_trim()


def _glibc():
    """glibc's malloc_trim and mallopt, or False on another C library."""
    global _libc
    if _libc is None:
        try:
            import ctypes

            _libc = ctypes.CDLL("libc.so.6")
            _libc.malloc_trim.argtypes = (ctypes.c_size_t,)
            _libc.mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
        except (OSError, AttributeError):  # not glibc: nothing to tune or trim
            _libc = False
    return _libc


def _malloc_trim() -> None:
    """Give the pages the replaced snapshot freed back to the system (glibc keeps them
    otherwise, and a worker's RSS would stay at two snapshots after its first swap)."""
    if libc := _glibc():
        libc.malloc_trim(0)


M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
MMAP_THRESHOLD = 128 * 1024


def _malloc_setup() -> None:
    """Keep glibc's mmap threshold at 128 KiB (once per process). glibc raises it, up to
    32 MiB, each time a mapped block is freed, so after the first load the parser's and
    the build's large blocks would come from the heap, where the long-lived blocks of the
    new snapshot pin them: measured at 10,000 mirrors, 8 loads in one process settled at
    96 MiB with the sliding threshold, 89 MiB with a fixed one (bench: docs/delivery.md)."""
    global _malloc_set
    if not _malloc_set and (libc := _glibc()):
        libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    _malloc_set = True


_libc = None
_malloc_set = False


def _close_database_connection() -> None:
    try:
        from django.db import connection

        if not connection.in_atomic_block:  # never a caller's transaction (a test's)
            connection.close()
    except Exception:  # noqa: S110  (already broken: the next poll reconnects)
        pass
