"""What /healthz answers: the snapshot it serves from, and the database, the broker and the
workers as a background thread last found them (apps.delivery.health_probe), each on its
own line. 200 while answers can be served (a snapshot is loaded), whatever else is down;
"status" says "ok" only when everything is. Hosts, ports and errors only to the addresses
METRICS_ALLOWED_NETWORKS lists: they tell an attacker where the database is.

On the request path: no Django, no I/O."""

from __future__ import annotations

import threading
import time

from . import render

OK, DOWN, UNKNOWN = "ok", "down", "unknown"


class HealthState:
    """The components' last known state: {name: (state, public figures, private detail)}."""

    def __init__(self):
        self._lock = threading.Lock()
        self.components: dict[str, tuple[str, dict, str]] = {}
        self.checked_at: float | None = None

    def update(self, components: dict[str, tuple[str, dict, str]]) -> None:
        with self._lock:
            self.components = dict(components)
            self.checked_at = time.time()

    def read(self) -> tuple[dict[str, tuple[str, dict, str]], float | None]:
        with self._lock:
            return dict(self.components), self.checked_at


def healthz_report(
    snapshot, state: HealthState | None, *, trusted: bool, stale_after: float, store_error
) -> tuple[str, dict]:
    """(HTTP status line, JSON body) of /healthz."""
    components, checked_at = state.read() if state is not None else ({}, None)
    body: dict = {"status": OK}
    if snapshot is None:
        body["status"], body["snapshot"] = "no snapshot", None
    else:
        age = time.time() - snapshot.built_at
        body["snapshot"] = {
            "state": OK if age <= stale_after else "stale",
            "version": snapshot.version,
            "built_at": render.iso_time(snapshot.built_at),
            "age_seconds": round(age, 1),
            "stale_after_seconds": round(stale_after),
            "mirrors": len(snapshot.mirrors),
        }
        if age > stale_after:
            body["status"] = "degraded"
    for name in ("database", "broker", "worker"):
        found, figures, detail = components.get(name, (UNKNOWN, {}, "not checked yet"))
        body[name] = {"state": found, **figures}
        if trusted and detail:
            body[name]["detail"] = detail
        if found != OK and body["status"] == OK:
            body["status"] = "degraded"
    if checked_at is not None:
        body["checked_at"] = render.iso_time(checked_at)
    if trusted and store_error:
        body["snapshot_error"] = store_error
    status = "200 OK" if snapshot is not None else "503 Service Unavailable"
    return status, body
