"""The delivery front's request tallies: requests by endpoint and status class, and a
latency histogram per endpoint, kept in plain Python lists (one per serving thread, so an
increment needs no lock and loses nothing) and read only when /metrics is scraped.

A worker process counts its own requests; each one writes its totals to a file of its own
in a shared folder on the snapshot poller's tick, and a scrape adds the other workers' files
to its live counts (docs/delivery.md, "Metrics"). Pure Python, like the rest of the request
path.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from threading import get_ident

import orjson

log = logging.getLogger(__name__)

# The endpoints, in the order of the tallies; "other" is everything Django answers.
ENDPOINTS = ("mirrorlist", "metalink", "isoredirect", "healthz", "other")
MIRRORLIST, METALINK, ISOREDIRECT, HEALTHZ, OTHER = range(len(ENDPOINTS))
# The endpoint of each of the front's routes; the other paths it answers are ISO redirects.
PATH_ENDPOINTS = {
    "/mirrorlist": MIRRORLIST, "/mirrorlist/": MIRRORLIST, "/metalink": METALINK,
    "/metalink/": METALINK, "/healthz": HEALTHZ, "/healthz/": HEALTHZ, "/metrics": OTHER,
}  # fmt: skip
STATUS_CLASSES = ("1xx", "2xx", "3xx", "4xx", "5xx")
# Upper bounds of the latency bands: powers of two from 2**14 ns (16.4 µs; the front answers
# in tens of µs) to 2**31 ns (2.1 s; Django's pages), so a request's band is one shift and
# one bit_length, not a search (bench/delivery_load.py --tallies-only times it).
_SHIFT = 14
BOUNDS_NS = tuple(1 << (_SHIFT + k) for k in range(18))
BOUNDS = tuple(b / 1e9 for b in BOUNDS_NS)  # seconds, as Prometheus's "le" labels say
# The layout of a row: the requests by status class then endpoint, then per endpoint its
# latency bands (+Inf last), then per endpoint the sum of its latencies in ns.
_ENDPOINTS = len(ENDPOINTS)
_WIDTH = len(BOUNDS) + 1
_HIST = len(ENDPOINTS) * len(STATUS_CLASSES)
_SUMS = _HIST + len(ENDPOINTS) * _WIDTH
SIZE = _SUMS + len(ENDPOINTS)
# A status line's first character: where its class starts in a row (odd ones count as 5xx).
_CLASS_AT = {str(k + 1): k * _ENDPOINTS for k in range(len(STATUS_CLASSES))}
_ODD = 4 * _ENDPOINTS
_HIST_AT = tuple(_HIST + e * _WIDTH for e in range(_ENDPOINTS))
_LAST = _WIDTH - 1  # the +Inf band
# Rows of finished threads are folded into one when there are more rows than this.
MAX_ROWS = 64


class FrontTallies:
    """`count(endpoint, status, elapsed_ns)` on the request path; `totals()` at a scrape."""

    def __init__(self) -> None:
        self._rows: dict[int, list[int]] = {}
        self._local = threading.local()  # this thread's row, the same list as in _rows
        self._retired = [0] * SIZE  # what threads that ended had counted
        self._lock = threading.Lock()  # taken when a thread first counts, and by readers

    def count(self, endpoint: int, status: str, elapsed_ns: int) -> None:
        """One answer: `status` as given to start_response ("200 OK"). The hot path: every
        name here is a local, a global or a C function (bench/delivery_load.py times it)."""
        try:
            row = self._local.row
        except AttributeError:
            row = self._row_new()
        row[_CLASS_AT.get(status[0], _ODD) + endpoint] += 1
        # The latency band whose bound is the first power of two at or above the time
        # (Prometheus calls them buckets; here a bucket is a tier of the mirror choice).
        band = ((elapsed_ns or 1) - 1 >> _SHIFT).bit_length()
        row[_HIST_AT[endpoint] + (band if band < _LAST else _LAST)] += 1
        row[_SUMS + endpoint] += elapsed_ns

    def _row_new(self) -> list[int]:
        with self._lock:
            if len(self._rows) >= MAX_ROWS:
                self._fold()
            # A new thread may take the identity of one that ended: it goes on in its row.
            row = self._rows.get(get_ident())
            if row is None:
                row = self._rows[get_ident()] = [0] * SIZE
            self._local.row = row
        return row

    def _fold(self) -> None:
        """Add the rows of threads that ended to the retired row (a server that starts a
        thread per request, as runserver does, would otherwise grow a row per request)."""
        alive = {t.ident for t in threading.enumerate()}
        for ident in [i for i in self._rows if i not in alive]:
            row = self._rows.pop(ident)
            self._retired = [a + b for a, b in zip(self._retired, row, strict=True)]

    def totals(self) -> list[int]:
        """This process's counts, summed over its threads (a flat list, SIZE long)."""
        with self._lock:
            rows = [self._retired, *(list(r) for r in self._rows.values())]
        return [sum(column) for column in zip(*rows, strict=True)]

    # --- several worker processes -------------------------------------------------------

    def dump(self, folder: str | os.PathLike) -> None:
        """Write this process's totals to `<folder>/front-<pid>.json` (atomically)."""
        folder = Path(folder)
        path = folder / f"front-{os.getpid()}.json"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_bytes(orjson.dumps({"size": SIZE, "counts": self.totals()}))
            os.replace(tmp, path)
        except OSError as exc:
            log.warning("cannot write the front's tallies to %s: %s", path, exc)

    def merged(self, folder: str | os.PathLike | None) -> tuple[list[int], int]:
        """(the totals of this process and of every other worker's file in `folder`, the
        number of processes added). A file of another layout (an older release) is skipped."""
        totals = self.totals()
        processes = 1
        if not folder or not Path(folder).is_dir():
            return totals, processes
        own = f"front-{os.getpid()}.json"
        for path in Path(folder).glob("front-*.json"):
            if path.name == own:
                continue
            try:
                data = orjson.loads(path.read_bytes())
            except (OSError, orjson.JSONDecodeError):
                continue  # being replaced, or torn: the next scrape reads it
            if data.get("size") != SIZE or len(data.get("counts", ())) != SIZE:
                continue
            totals = [a + b for a, b in zip(totals, data["counts"], strict=True)]
            processes += 1
        return totals, processes


def requests_by_endpoint(totals: list[int]) -> dict[tuple[str, str], int]:
    """{(endpoint, status class): requests} of a totals list."""
    return {
        (name, cls): totals[c * _ENDPOINTS + e]
        for e, name in enumerate(ENDPOINTS)
        for c, cls in enumerate(STATUS_CLASSES)
    }


def latency_of(totals: list[int], endpoint: int) -> tuple[list[int], int]:
    """(the latency bands' counts, not cumulative, +Inf last; the sum in ns) of one endpoint."""
    start = _HIST + endpoint * _WIDTH
    return totals[start : start + _WIDTH], totals[_SUMS + endpoint]
