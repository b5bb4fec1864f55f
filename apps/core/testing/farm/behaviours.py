"""How a farm mirror (mis)behaves, and the replies it makes from the master tree."""

from __future__ import annotations

import asyncio
import enum
import random
import socket
import ssl
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

from .repos import _content_type
from .tree import MasterTree, _Altered, _Resource

if TYPE_CHECKING:
    from .http import _HttpProtocol


class Behaviour(enum.Enum):
    CURRENT = "current"  # serves the master tree as is
    BEHIND = "behind"  # repomd.xml (and TIME) older by options.versions_behind
    MISSING_REPO = "missing_repo"  # 404 under {version}/{options.repo}/
    MISSING_ISO = "missing_iso"  # 404 for *.iso under isos/
    WRONG_ISO_SIZE = "wrong_iso_size"  # ISOs are options.iso_size_delta bytes off
    ERROR_500 = "error_500"  # every request answers 500
    GARBAGE = "garbage"  # 200 with random non-XML bytes for repomd.xml and TIME
    HANG = "hang"  # accepts, reads, never answers, closes only when the farm stops
    REFUSED = "refused"  # nothing listening on the address: connect is refused
    BLACKHOLE = "blackhole"  # SYNs go unanswered (a full accept queue): connect times out
    SLOW = "slow"  # every answer comes after options.delay seconds
    MISSING_PACKAGE = "missing_package"  # current metadata, 404 for packages under options.repo
    TRUNCATED_PACKAGE = "truncated_package"  # current metadata, those packages 100 bytes short
    # ISO images of the master's size whose bytes are not all the master's: options.iso_bad_length
    # bytes inverted at options.iso_bad_offset (CORRUPT_ISO), or zeros from that offset on
    # (ZEROED_ISO: a preallocated copy whose transfer stopped)
    CORRUPT_ISO = "corrupt_iso"
    ZEROED_ISO = "zeroed_iso"
    IGNORE_RANGE = "ignore_range"  # current, but a Range is answered 200 with the whole body


@dataclass(frozen=True)
class MirrorOptions:
    versions_behind: int | Mapping = 1  # BEHIND: see MasterTree.behind_map
    repo: str = "updates"  # MISSING_REPO: a repository name, or a path prefix like "5.0/os"
    iso_size_delta: int = -4096  # WRONG_ISO_SIZE: served size minus real size
    delay: float = 1.0  # SLOW: seconds before each answer
    bandwidth: int | None = None  # any behaviour: send bodies at this many bytes/s
    tree_dir: Path | None = None  # serve this directory instead of the master tree
    garbage_size: int = 512  # GARBAGE: bytes per answer
    # any behaviour: connections from these client addresses are reset at once (a mirror
    # unreachable from one vantage point, reachable from the others)
    refuse_from: tuple[str, ...] = ()
    # any behaviour: clients from these addresses are served as BEHIND (content wrong as
    # seen from one vantage point only)
    behind_from: tuple[str, ...] = ()
    # any behaviour: clients from these addresses are served ISOs as WRONG_ISO_SIZE, or as
    # CORRUPT_ISO (an image wrong as seen from one vantage point only)
    wrong_iso_from: tuple[str, ...] = ()
    corrupt_iso_from: tuple[str, ...] = ()
    iso_bad_offset: int = 200_000  # CORRUPT_ISO, ZEROED_ISO: where the bad bytes start
    iso_bad_length: int = 16  # CORRUPT_ISO: how many


_REASONS = {
    200: "OK",
    206: "Partial Content",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    416: "Range Not Satisfiable",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
}


@dataclass
class _Request:
    method: str
    path: str
    headers: dict[str, str]
    keep_alive: bool


@dataclass
class _Reply:
    status: int
    headers: list[tuple[str, str]]
    body: _Resource
    start: int = 0
    length: int = 0  # Content-Length
    send_body: bool = True  # False for HEAD
    keep_alive: bool = True
    delay: float = 0.0
    bandwidth: int | None = None

    def head(self) -> bytes:
        lines = [
            f"HTTP/1.1 {self.status} {_REASONS[self.status]}",
            f"Date: {_http_date()}",
            "Server: mirrorfarm",
        ]
        lines += [f"{k}: {v}" for k, v in self.headers]
        lines.append(f"Content-Length: {self.length}")
        lines.append("Connection: keep-alive" if self.keep_alive else "Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class SimMirror:
    """One simulated mirror: an address, a behaviour and the counters of what it was asked."""

    def __init__(
        self,
        name: str,
        address: str,
        port: int,
        prefix: str,
        tree: MasterTree | None,
        behaviour: Behaviour,
        options: MirrorOptions,
    ):
        self.name = name
        self.address = address
        self.port = port
        self.prefix = prefix
        self.tree = tree
        self.behaviour = behaviour
        self.options = options
        self.requests: Counter[str] = Counter()  # request path -> count
        self._server: asyncio.AbstractServer | None = None
        self._connections: set[_HttpProtocol] = set()
        # https: the farm's TLS context and port (None: http only); the host name it answers
        self.tls: ssl.SSLContext | None = None
        self.https_port = 0
        self.host = f"{name.replace('_', '-')}.farm.test"
        self._tls_server: asyncio.AbstractServer | None = None
        self._blackhole: list[socket.socket] = []  # BLACKHOLE: its listeners and fillers

    def __repr__(self) -> str:
        return f"<SimMirror {self.name} {self.behaviour.name} {self.base_url}>"

    @property
    def base_url(self) -> str:
        shown = f"[{self.address}]" if ":" in self.address else self.address
        return f"http://{shown}:{self.port}{self.prefix}"

    def url(self, relpath: str = "") -> str:
        return self.base_url + relpath.lstrip("/")

    @property
    def https_url(self) -> str:
        """By host name over TLS (a certificate of the farm's CA): resolve with farm.resolve."""
        return f"https://{self.host}:{self.https_port}{self.prefix}"

    @property
    def named_url(self) -> str:
        """By host name over plain http: resolve with farm.resolve."""
        return f"http://{self.host}:{self.port}{self.prefix}"

    # -- serving (runs in the event loop) --

    def _close_connections(self) -> None:
        for conn in list(self._connections):
            conn.transport.abort()

    def _respond(self, req: _Request, peer: str | None = None) -> _Reply:
        reply = self._resolve(req, peer)
        reply.keep_alive = req.keep_alive
        reply.send_body = req.method != "HEAD"
        if self.behaviour is Behaviour.SLOW:
            reply.delay = self.options.delay
        reply.bandwidth = self.options.bandwidth
        return reply

    def _resolve(self, req: _Request, peer: str | None = None) -> _Reply:
        behaviour, opts = self.behaviour, self.options
        if req.method not in ("GET", "HEAD"):
            return _error(405, [("Allow", "GET, HEAD")])
        if behaviour is Behaviour.ERROR_500:
            return _error(500)
        rel = self._relpath(req.path)
        if rel is None:
            return _error(404)
        if behaviour is Behaviour.GARBAGE and (rel == "TIME" or rel.endswith("/repomd.xml")):
            # starts with NUL: neither XML nor an integer, whatever follows
            junk = b"\0\xff" + random.randbytes(max(0, opts.garbage_size - 2))
            return _file_reply(req, _Resource.memory(junk, int(time.time()), rel))
        if behaviour is Behaviour.MISSING_REPO and _in_repo(rel, opts.repo):
            return _error(404)
        if behaviour is Behaviour.MISSING_ISO and _is_iso(rel):
            return _error(404)
        res = self._lookup(rel, behind=peer is not None and peer in opts.behind_from)
        if res is None:
            return _error(404)
        if _is_iso(rel) and peer is not None and peer in opts.wrong_iso_from:
            behaviour = Behaviour.WRONG_ISO_SIZE
        elif _is_iso(rel) and peer is not None and peer in opts.corrupt_iso_from:
            behaviour = Behaviour.CORRUPT_ISO
        if behaviour is Behaviour.WRONG_ISO_SIZE and _is_iso(rel):
            res = res.resized(max(0, res.size + opts.iso_size_delta))
        if behaviour in (Behaviour.CORRUPT_ISO, Behaviour.ZEROED_ISO) and _is_iso(rel):
            length = opts.iso_bad_length if behaviour is Behaviour.CORRUPT_ISO else res.size
            res = _Altered(res, opts.iso_bad_offset, length, zero=behaviour is Behaviour.ZEROED_ISO)
        if behaviour is Behaviour.IGNORE_RANGE:
            req.headers.pop("range", None)
        if _is_package(rel) and _in_repo(rel, opts.repo):
            if behaviour is Behaviour.MISSING_PACKAGE:
                return _error(404)
            if behaviour is Behaviour.TRUNCATED_PACKAGE:
                res = res.resized(max(0, res.size - 100))
        return _file_reply(req, res)

    def _relpath(self, path: str) -> str | None:
        if not path.startswith(self.prefix):
            return None
        rel = unquote(path[len(self.prefix) :])
        parts = rel.split("/")
        if not rel or "\0" in rel or any(p in ("", ".", "..") for p in parts):
            return None  # directories, empty segments and escapes are not files
        return rel

    def _lookup(self, rel: str, *, behind: bool = False) -> _Resource | None:
        if self.options.tree_dir is not None:
            path = Path(self.options.tree_dir, rel)
            try:
                st = path.stat()
            except OSError:
                return None
            if not path.is_file():
                return None
            return _Resource(st.st_size, int(st.st_mtime), _content_type(rel), path=path)
        if self.tree is None:
            return None
        behind = behind or self.behaviour is Behaviour.BEHIND
        return self.tree.view(self.options.versions_behind if behind else 0).get(rel)


def _in_repo(rel: str, repo: str) -> bool:
    if "/" in repo:
        return rel.startswith(repo.strip("/") + "/")
    parts = rel.split("/")
    return len(parts) > 2 and parts[1] == repo


def _is_package(rel: str) -> bool:
    return rel.endswith(".rpm") and "/Packages/" in rel


def _is_iso(rel: str) -> bool:
    return rel.endswith(".iso") and "/isos/" in f"/{rel}"


def _error(status: int, headers: list[tuple[str, str]] | None = None) -> _Reply:
    body = f"{status} {_REASONS[status]}\n".encode()
    res = _Resource(len(body), int(time.time()), "text/plain", data=body)
    return _Reply(status, [("Content-Type", "text/plain"), *(headers or [])], res, 0, len(body))


def _file_reply(req: _Request, res: _Resource) -> _Reply:
    headers = [
        ("Content-Type", res.content_type),
        ("Last-Modified", res.last_modified),
        ("Accept-Ranges", "bytes"),
    ]
    wanted = _parse_range(req.headers.get("range"), res.size)
    if wanted is None:
        return _Reply(200, headers, res, 0, res.size)
    if wanted == "unsatisfiable":
        reply = _error(416, [("Content-Range", f"bytes */{res.size}")])
        return reply
    start, end = wanted
    headers.append(("Content-Range", f"bytes {start}-{end}/{res.size}"))
    return _Reply(206, headers, res, start, end - start + 1)


def _parse_range(value: str | None, size: int):
    """A single "bytes=a-b" range as (start, end inclusive), None to send the whole body
    (absent, multi-range or malformed: ignoring Range is allowed) or "unsatisfiable"."""
    if not value or not value.startswith("bytes=") or "," in value:
        return None
    first, sep, last = value[6:].strip().partition("-")
    if not sep:
        return None
    try:
        if first == "":
            n = int(last)
            if n <= 0 or size == 0:
                return "unsatisfiable"
            return max(0, size - n), size - 1
        start = int(first)
        end = min(int(last), size - 1) if last else size - 1
    except ValueError:
        return None
    if start < 0 or start >= size or end < start:
        return "unsatisfiable"
    return start, end


_date_cache: list = [0, ""]


def _http_date() -> str:
    now = int(time.time())
    if now != _date_cache[0]:
        _date_cache[:] = [now, formatdate(now, usegmt=True)]
    return _date_cache[1]
