"""The lean WSGI application in front of Django.

It answers the hot paths (/mirrorlist, /metalink, the ISO redirects and their metalinks and
torrents, /healthz) from the in-memory snapshot, without Django's request/response
machinery, the ORM or the template engine, and hands every other request (the ISO folder
page for browsers included) to Django. portal/wsgi.py mounts it, so runserver, granian and
gunicorn all serve through it.
"""

from __future__ import annotations

import logging
import random
import re
from collections.abc import Callable, Container
from time import perf_counter_ns
from typing import TYPE_CHECKING, NamedTuple

import orjson

from . import iso, render
from . import usage as kinds
from .client import ClientLocator
from .health import HealthState, healthz_report
from .replies import (  # noqa: F401  # noqa: F401  (the front's answers' types)
    CHECKSUM_NAME,
    METALINK3,
    METALINK4,
    STATUS_KEY,
    TEXT,
    checksum_reply,
    no_snapshot,
    nobody,
    parse_query,
)
from .replies import reply as _reply
from .snapshot import DEFAULT_PROTOCOLS, GRACE_PREFIX, PROTOCOLS, Client, LoadedSnapshot
from .tallies import ISOREDIRECT, OTHER, PATH_ENDPOINTS, FrontTallies
from .usage import UsageCounter

if TYPE_CHECKING:  # the store reads the database in its own thread; requests never do
    from .store import SnapshotStore

log = logging.getLogger(__name__)

# Command-line clients get a 302 to the best mirror's folder instead of the HTML page.
CLI_AGENTS = re.compile(r"^(curl|wget|aria2|python-requests|python-urllib|lftp|fetch)\b", re.I)


class RepoRequest(NamedTuple):
    snapshot: LoadedSnapshot
    params: dict
    target: object
    client: Client
    protocol: str | None


class DeliveryFront:
    """WSGI callable: delivery paths from the snapshot, everything else to `app` (Django)."""

    def __init__(
        self,
        app,
        *,
        store: SnapshotStore,
        locator: ClientLocator,
        usage: UsageCounter | None = None,
        mirrorlist_count: int = 10,
        metalink_count: int = 20,
        link_count: int = 4,
        mirrorlist_grace: bool = True,
        grace_hours: float = 6.0,
        rng: random.Random | None = None,
        tallies: FrontTallies | None = None,
        metrics: Callable[[], tuple[bytes, str]] | None = None,
        metrics_readers: Container[str] = (),
        health: HealthState | None = None,
        health_stale_after: float = 3600.0,
    ):
        """`tallies` count every answer; `metrics` renders /metrics (body, content type)
        for the client addresses in `metrics_readers` (the others get a 404)."""
        self.app = app
        self.store = store
        self.locator = locator
        self.usage = usage
        self.mirrorlist_count = mirrorlist_count
        self.metalink_count = metalink_count
        self.link_count = link_count
        self.mirrorlist_grace = mirrorlist_grace
        self.grace_hours = grace_hours
        self.rng = rng or random.Random()
        self.tallies = tallies
        self.metrics = metrics
        self.metrics_readers = metrics_readers
        self.health = health  # /healthz's database, broker and workers (apps.delivery.health)
        self.health_stale_after = health_stale_after
        self._routes = {
            "/mirrorlist": self.mirrorlist,
            "/mirrorlist/": self.mirrorlist,
            "/metalink": self.metalink,
            "/metalink/": self.metalink,
            "/healthz": self.healthz,
            "/healthz/": self.healthz,
        }
        if metrics is not None:
            self._routes["/metrics"] = self.metrics_answer

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO") or "/"
        handler = self._routes.get(path)
        if handler is None:
            if not path.startswith("/isoredirect/"):
                return self._django(environ, start_response, OTHER)
            if path.endswith("/") and not CLI_AGENTS.match(environ.get("HTTP_USER_AGENT", "")):
                return self._django(environ, start_response, ISOREDIRECT)  # the folder page
            handler = self.isoredirect
        tallies = self.tallies
        started = perf_counter_ns() if tallies is not None else 0
        self.store.ensure_started()
        if environ.get("REQUEST_METHOD", "GET") not in ("GET", "HEAD"):
            answer = _reply(environ, start_response, "405 Method Not Allowed", b"GET or HEAD\n")
        else:
            try:
                answer = handler(environ, start_response)
            except Exception:
                log.exception("delivery answer failed for %s", path)
                answer = _reply(environ, start_response, "500 Internal Server Error", b"error\n")
        if tallies is not None:
            tallies.count(
                PATH_ENDPOINTS.get(path, ISOREDIRECT),
                environ.get(STATUS_KEY, "500"),
                perf_counter_ns() - started,
            )
        return answer

    def _django(self, environ, start_response, endpoint: int):
        """Django's answer, counted (its time is until Django returns the response)."""
        tallies = self.tallies
        if tallies is None:
            return self.app(environ, start_response)
        started = perf_counter_ns()

        def noted(status, headers, exc_info=None):
            environ[STATUS_KEY] = status
            return start_response(status, headers, exc_info)

        answer = self.app(environ, noted)
        tallies.count(endpoint, environ.get(STATUS_KEY, "500"), perf_counter_ns() - started)
        return answer

    # --- helpers ---------------------------------------------------------------------

    def _client(self, environ, params: dict) -> Client:
        return self.locator.client_of(environ, params)

    @staticmethod
    def _snapshot_headers(snapshot: LoadedSnapshot) -> list[tuple[str, str]]:
        return list(snapshot.headers)

    @staticmethod
    def _protocol(params: dict) -> tuple[str | None, str | None]:
        protocol = params.get("protocol")
        if protocol is None or protocol == "":
            return None, None
        protocol = protocol.lower()
        if protocol not in PROTOCOLS:
            return None, f"unknown protocol {protocol!r}; valid: {', '.join(PROTOCOLS)}\n"
        return protocol, None

    def _repo_request(self, environ, start_response):
        """The snapshot, parameters, repository and client of a mirrorlist or metalink
        request, or the error answer when one of them is missing or wrong."""
        snapshot = self.store.snapshot
        if snapshot is None:
            return no_snapshot(environ, start_response)
        params = parse_query(environ.get("QUERY_STRING", ""))
        protocol, bad = self._protocol(params)
        if bad:
            return _reply(environ, start_response, "400 Bad Request", bad.encode())
        target, reason = snapshot.repo_target(
            params.get("release"), params.get("repo"), params.get("arch")
        )
        if target is None:
            return _reply(environ, start_response, "404 Not Found", (reason + "\n").encode())
        return RepoRequest(snapshot, params, target, self._client(environ, params), protocol)

    # --- the endpoints ---------------------------------------------------------------

    def mirrorlist(self, environ, start_response):
        """text/plain, one base URL per line (10), the form yum reads."""
        request = self._repo_request(environ, start_response)
        if not isinstance(request, RepoRequest):
            return request  # the error answer
        snapshot, params, target, client, protocol = request
        if "debug" in params or environ.get("HTTP_X_DEBUG") or "time" in params:
            choices = snapshot.draw(
                target,
                client,
                count=self.mirrorlist_count,
                protocol=protocol,
                rng=self.rng,
                grace=self.mirrorlist_grace,
            )
            if not choices:
                return nobody(environ, start_response, target)
            body = self._mirrorlist_annotated(environ, params, snapshot, target, client, choices)
        else:  # the hot path: only the URLs
            body = self._mirrorlist_urls(snapshot, target, client, protocol)
            if body is None:
                return nobody(environ, start_response, target)
        if self.usage is not None:
            self.usage.count(
                kinds.MIRRORLIST, client.country, target.release, target.arch, target.name
            )
        return _reply(environ, start_response, "200 OK", body.encode(), extra=snapshot.headers)

    def _mirrorlist_urls(self, snapshot, target, client, protocol) -> str | None:
        """The plain mirrorlist, joined from the draw's mirror indexes (no Choice objects);
        None when nobody qualifies."""
        if target.eol:
            return f"{snapshot.vault_url}{target.path}\n"
        protocols = (protocol,) if protocol else DEFAULT_PROTOCOLS
        count = self.mirrorlist_count
        indexes = snapshot.pick(target, client, count, protocols, self.rng, self.mirrorlist_grace)
        if not indexes:
            return None
        base, path = snapshot.base_urls(protocols), target.path
        master = target.master or snapshot.master_url
        return "\n".join([base[i] + path if i >= 0 else master + path for i in indexes]) + "\n"

    def _mirrorlist_annotated(self, environ, params, snapshot, target, client, choices) -> str:
        """The mirrorlist with `time` and `debug` comment lines."""
        debug = "debug" in params or bool(environ.get("HTTP_X_DEBUG"))
        comments = []
        if "time" in params:
            comments.append(f"snapshot {snapshot.version} built {snapshot.built_iso}")
        comments += self._grace_comments(target, choices)
        if debug:
            comments.append(
                f"client ip={client.ip} country={client.country} continent={client.continent}"
                f" ipv6={client.ipv6} asn={client.asn} repo={target.key}"
            )
            if params.get("ip") and client.ip is None:
                comments.append(
                    "ip= sets the country only: its netblock and ASN need a trusted address"
                )
            return render.mirrorlist_text(choices, comments=comments, debug=True)
        return render.mirrorlist_text(choices, comments=comments)

    def _grace_comments(self, target, choices) -> list[str]:
        """What a person reading the list should know when fewer mirrors than asked for
        hold the master's newest version of the repository."""
        behind = sum(1 for c in choices if c.bucket.startswith(GRACE_PREFIX))
        current = sum(1 for c in choices if c.mirror is not None) - behind
        if current >= self.mirrorlist_count:
            return []
        grace = f"{self.grace_hours:g} h grace window"
        if behind:
            return [
                f"{current} mirrors hold the master's newest {target.key}; the next {behind} "
                f"hold the version it replaced less than {self.grace_hours:g} h ago ({grace})"
            ]
        waiting = len(target.grace.mirrors) if target.grace is not None else 0
        if waiting and not self.mirrorlist_grace:
            return [
                f"{current} mirrors hold the master's newest {target.key}; {waiting} more inside "
                f"the {grace} are left out (DELIVERY_MIRRORLIST_GRACE is off)"
            ]
        return []

    def metalink(self, environ, start_response):
        """Metalink 3.0 for repomd.xml, as dnf/librepo reads it."""
        request = self._repo_request(environ, start_response)
        if not isinstance(request, RepoRequest):
            return request  # the error answer
        snapshot, params, target, client, protocol = request
        protocols = (protocol,) if protocol else DEFAULT_PROTOCOLS
        # dnf verifies a mirror inside the grace window by the alternates' hashes.
        if target.eol:
            choices = snapshot.draw(target, client, count=1, protocol=protocol, rng=self.rng)
            body = render.metalink_repomd(target, choices, built_at=snapshot.built_at)
        else:
            indexes = snapshot.pick(
                target, client, self.metalink_count, protocols, self.rng, grace=True
            )
            if not indexes:
                return nobody(environ, start_response, target)
            body = snapshot.answers.metalink_repomd(target, indexes, protocols, snapshot)
        if self.usage is not None:
            self.usage.count(
                kinds.METALINK, client.country, target.release, target.arch, target.name
            )
        return _reply(
            environ,
            start_response,
            "200 OK",
            body.encode(),
            METALINK3,
            extra=snapshot.headers,
        )

    def healthz(self, environ, start_response):
        """apps.delivery.health: the details only for the METRICS_ALLOWED_NETWORKS readers."""
        status, body = healthz_report(
            self.store.snapshot,
            self.health,
            trusted=self.locator.address(environ) in self.metrics_readers,
            stale_after=self.health_stale_after,
            store_error=self.store.last_error,
        )
        return _reply(environ, start_response, status, orjson.dumps(body), "application/json")

    def metrics_answer(self, environ, start_response):
        """/metrics, for the addresses METRICS_ALLOWED_NETWORKS lists (the trusted-proxy
        rule decides the address); a plain 404 for everyone else."""
        if self.locator.address(environ) not in self.metrics_readers:
            return _reply(environ, start_response, "404 Not Found", b"not found\n")
        body, content_type = self.metrics()
        return _reply(environ, start_response, "200 OK", body, content_type)

    def isoredirect(self, environ, start_response):
        """/isoredirect/<release>/isos/<arch>/[<file>[.metalink|.meta4|.torrent]]"""
        return iso.isoredirect(self, environ, start_response)

    def _count(self, kind: str, client: Client, target) -> None:
        if self.usage is not None:
            self.usage.count(kind, client.country, target.release, target.arch, "", target.name)
