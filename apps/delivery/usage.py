"""Usage statistics, counted in each worker's memory and written to the database in one
statement per flush (never a write per request)."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

# Distinct keys kept while the database is unreachable; beyond that new keys are dropped.
MAX_KEYS = 50_000
# What a counted answer was (the values of choices.UsageKind).
MIRRORLIST, METALINK, ISO, ISO_METALINK, TORRENT = (
    "mirrorlist", "metalink", "iso", "iso_metalink", "torrent"
)  # fmt: skip


class UsageCounter:
    """Counts answers by (day, kind, country, release, arch, repo, file)."""

    def __init__(self, flush_seconds: float = 60.0, *, writer: Callable | None = None):
        """`writer(counts=...)` stores a flush (services.usage_record, given by runtime):
        the counter itself, on the request path, knows no database."""
        self.flush_seconds = flush_seconds
        self.writer = writer
        self._counts: dict[tuple, int] = {}
        self._lock = threading.Lock()
        self._last_flush = time.monotonic()
        self.dropped = 0

    def count(
        self,
        kind: str,
        country: str | None,
        release: str,
        arch: str,
        repo: str = "",
        file: str = "",
    ) -> None:
        key = (_today(), kind, country or "", release, arch, repo, file)
        with self._lock:
            if key in self._counts:
                self._counts[key] += 1
            elif len(self._counts) < MAX_KEYS:
                self._counts[key] = 1
            else:
                self.dropped += 1

    def pending(self) -> dict[tuple, int]:
        with self._lock:
            return dict(self._counts)

    def take(self) -> dict[tuple, int]:
        with self._lock:
            counts, self._counts = self._counts, {}
        return counts

    def give_back(self, counts: dict[tuple, int]) -> None:
        """Put counts back after a failed flush, so they go out with the next one."""
        with self._lock:
            for key, n in counts.items():
                if key in self._counts or len(self._counts) < MAX_KEYS:
                    self._counts[key] = self._counts.get(key, 0) + n
                else:
                    self.dropped += n

    def flush_due(self) -> bool:
        return time.monotonic() - self._last_flush >= self.flush_seconds

    def flush(self) -> int:
        """Write the counts through the writer; returns the number of rows upserted."""
        counts = self.take()
        self._last_flush = time.monotonic()
        if not counts or self.writer is None:
            if counts:
                self.give_back(counts)
            return 0
        try:
            self.writer(counts=counts)
        except Exception as exc:
            log.warning("usage flush failed, keeping %d keys: %s", len(counts), exc)
            self.give_back(counts)
            return 0
        return len(counts)


_day_cache = [0.0, dt.date.min]


def _today() -> dt.date:
    # date.today() per request is measurable on the hot path; recompute once a second.
    now = time.time()
    if now - _day_cache[0] >= 1.0:
        _day_cache[0] = now
        _day_cache[1] = dt.datetime.fromtimestamp(now, dt.UTC).date()
    return _day_cache[1]
