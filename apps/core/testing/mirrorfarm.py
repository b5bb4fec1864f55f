"""A simulated CentOS master tree and a farm of (mis)behaving HTTP mirrors on 127.0.0.0/8.

Pure stdlib (asyncio in one background thread), for tests of the mirror checker, of delivery
with real clients (dnf, curl, aria2c) and for benchmarks with thousands of mirrors.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import enum
import errno
import gzip
import hashlib
import ipaddress
import mimetypes
import os
import random
import resource
import shutil
import signal
import socket
import ssl
import sys
import tempfile
import threading
import time
import weakref
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path
from urllib.parse import unquote

HISTORY_STEP = 2 * 3600  # seconds between two generated versions of a repository
DENSE_ISO_LIMIT = 8 << 20  # ISOs up to this size are fully random; larger ones are sparse
SPARSE_HEAD, SPARSE_TAIL = 1 << 20, 64 << 10
INLINE_BODY = 1 << 20  # bodies up to this size are written in one go, larger ones streamed
CHUNK = 64 << 10
MAX_HEAD = 64 << 10  # request head limit

LOOPBACK = ipaddress.IPv4Network("127.0.0.0/8")

_XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n'
_METADATA = {
    # kind: (root element, namespaces); zero packages keeps the repository valid and tiny
    "primary": (
        "metadata",
        'xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm"',
    ),
    "filelists": ("filelists", 'xmlns="http://linux.duke.edu/metadata/filelists"'),
    "other": ("otherdata", 'xmlns="http://linux.duke.edu/metadata/other"'),
}


# --------------------------------------------------------------------------- master tree


@dataclass
class ReleaseSpec:
    """One release of the distribution, e.g. 5.0 for x86_64 and i386."""

    version: str
    arches: list[str]
    repos: list[str] = field(default_factory=lambda: ["os", "updates", "extras"])
    # {arch: [(filename, size_bytes), ...]}; the entries under "*" apply to every arch, with
    # "{arch}" and "{version}" in the filename expanded.
    isos: dict[str, list[tuple[str, int]]] = field(default_factory=dict)

    def iso_files(self, arch: str) -> list[tuple[str, int]]:
        common = [
            (name.format(arch=arch, version=self.version), size)
            for name, size in self.isos.get("*", [])
        ]
        return common + list(self.isos.get(arch, []))


@dataclass
class TreeSpec:
    releases: list[ReleaseSpec]
    history: int = 3  # versions generated per repository, newest first
    now: int | None = None  # epoch of the newest version; default: the current time


@dataclass(frozen=True, eq=False)
class RepoVersion:
    """One generated version of a repository's metadata."""

    timestamp: int
    repomd_bytes: bytes
    sha256: str  # of repomd_bytes
    sha512: str
    size: int
    files: dict[str, bytes]  # "repodata/<sha>-primary.xml.gz" -> content, and so on


@dataclass(frozen=True)
class IsoImage:
    relpath: str
    path: Path
    size: int
    sha256: str


class _Resource:
    """A file a mirror can serve: bytes in memory or a file on disk (zero-padded to size)."""

    __slots__ = ("size", "mtime", "content_type", "data", "path", "last_modified")

    def __init__(self, size, mtime, content_type, data=None, path=None):
        self.size = size
        self.mtime = mtime
        self.content_type = content_type
        self.data = data
        self.path = path
        self.last_modified = formatdate(mtime, usegmt=True)

    @classmethod
    def memory(cls, data: bytes, mtime: int, relpath: str) -> _Resource:
        return cls(len(data), mtime, _content_type(relpath), data=data)

    def resized(self, size: int) -> _Resource:
        return _Resource(size, self.mtime, self.content_type, self.data, self.path)

    @contextlib.contextmanager
    def reader(self) -> Iterator[Callable[[int, int], bytes]]:
        """Yield read(offset, length); past the real end of the content it reads zeros."""
        if self.data is not None:
            data = self.data
            yield lambda pos, n: data[pos : pos + n].ljust(n, b"\0")
            return
        fd = os.open(self.path, os.O_RDONLY)
        try:
            yield lambda pos, n: os.pread(fd, n, pos).ljust(n, b"\0")
        finally:
            os.close(fd)


@dataclass(eq=False)
class MasterTree:
    """The generated master: newest version on disk under root, the whole history in memory."""

    root: Path
    spec: TreeSpec
    timestamp: int
    repos: dict[tuple[str, str, str], list[RepoVersion]]  # (version, repo, arch) -> newest first
    isos: dict[tuple[str, str, str], IsoImage]  # (version, arch, filename)
    _views: dict = field(default_factory=dict, repr=False)

    @property
    def time_value(self) -> str:
        return f"{self.timestamp}\n"

    def versions(self, version: str, repo: str, arch: str) -> list[RepoVersion]:
        return self.repos[(version, repo, arch)]

    @staticmethod
    def repomd_relpath(version: str, repo: str, arch: str) -> str:
        return f"{version}/{repo}/{arch}/repodata/repomd.xml"

    @staticmethod
    def iso_relpath(version: str, arch: str, filename: str) -> str:
        return f"{version}/isos/{arch}/{filename}"

    def behind_map(self, versions_behind: int | Mapping) -> dict[tuple[str, str, str], int]:
        """Normalise versions_behind into {(version, repo, arch): n}.

        An int applies to every repository; a mapping's keys are a repository name ("updates")
        or a tuple prefix of (version, repo, arch), e.g. ("5.0", "updates").
        """
        if isinstance(versions_behind, int):
            chosen = dict.fromkeys(self.repos, versions_behind)
        else:
            chosen = {}
            for sel, n in versions_behind.items():
                keys = [
                    k
                    for k in self.repos
                    if (k[: len(sel)] == tuple(sel) if isinstance(sel, tuple) else k[1] == sel)
                ]
                if not keys:
                    raise KeyError(f"no repository matches {sel!r}")
                chosen.update(dict.fromkeys(keys, n))
        for n in chosen.values():
            if not 0 <= n < self.spec.history:
                raise ValueError(f"versions_behind={n}: history holds {self.spec.history} versions")
        return chosen

    def view(self, versions_behind: int | Mapping = 0) -> dict[str, _Resource]:
        """relpath -> resource for a mirror holding the given versions (cached)."""
        if isinstance(versions_behind, int) and versions_behind in self._views:
            return self._views[versions_behind]  # the per-request fast path
        chosen = self.behind_map(versions_behind)
        key = tuple(sorted(chosen.items()))
        if key in self._views:
            return self._views[key]
        # TIME reflects the mirror's last complete sync, so the oldest repository decides
        stamp = self.timestamp - HISTORY_STEP * max(chosen.values(), default=0)
        files = {"TIME": _Resource.memory(f"{stamp}\n".encode(), stamp, "TIME")}
        for (version, repo, arch), versions in self.repos.items():
            rv = versions[chosen.get((version, repo, arch), 0)]
            base = f"{version}/{repo}/{arch}/"
            files[base + "repodata/repomd.xml"] = _Resource.memory(
                rv.repomd_bytes, rv.timestamp, "repomd.xml"
            )
            for href, data in rv.files.items():
                files[base + href] = _Resource.memory(data, rv.timestamp, href)
        sums: dict[str, list[str]] = {}
        for iso in self.isos.values():
            files[iso.relpath] = _Resource(
                iso.size, self.timestamp, _content_type(iso.relpath), path=iso.path
            )
            folder, _, name = iso.relpath.rpartition("/")
            sums.setdefault(folder, []).append(f"{iso.sha256}  {name}\n")
        for folder, lines in sums.items():
            rel = f"{folder}/sha256sum.txt"
            files[rel] = _Resource.memory("".join(lines).encode(), self.timestamp, rel)
        self._views[key] = files
        if isinstance(versions_behind, int):
            self._views[versions_behind] = files
        return files


def build_master_tree(root: Path, spec: TreeSpec) -> MasterTree:
    """Generate the master tree (CentOS layout) under root and return its description."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    now = int(spec.now if spec.now is not None else time.time())
    repos: dict[tuple[str, str, str], list[RepoVersion]] = {}
    isos: dict[tuple[str, str, str], IsoImage] = {}
    for release in spec.releases:
        for repo in release.repos:
            for arch in release.arches:
                repos[(release.version, repo, arch)] = [
                    _repo_version(release.version, repo, arch, now - HISTORY_STEP * k)
                    for k in range(spec.history)
                ]
        for arch in release.arches:
            for filename, size in release.iso_files(arch):
                rel = MasterTree.iso_relpath(release.version, arch, filename)
                path = root / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                digest = _write_iso(path, size, seed=rel)
                os.utime(path, (now, now))
                isos[(release.version, arch, filename)] = IsoImage(rel, path, size, digest)
    master = MasterTree(root=root, spec=spec, timestamp=now, repos=repos, isos=isos)
    _materialise(root, master.view(0), link=False)
    return master


def write_tree_version(dest_root: Path, master: MasterTree, versions_behind: int | Mapping) -> Path:
    """Write a copy of the tree where chosen repositories hold older metadata (ISOs hardlinked)."""
    _materialise(Path(dest_root), master.view(versions_behind), link=True)
    return Path(dest_root)


def _materialise(root: Path, files: Mapping[str, _Resource], link: bool) -> None:
    for rel, res in files.items():
        dest = root / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if res.data is not None:
            dest.write_bytes(res.data)
        elif link and res.path != dest:
            dest.unlink(missing_ok=True)
            try:
                os.link(res.path, dest)
            except OSError:  # another filesystem: fall back to a copy
                shutil.copyfile(res.path, dest)
        else:
            continue  # the file is already there (ISOs of the master itself)
        os.utime(dest, (res.mtime, res.mtime))


def _repo_version(version: str, repo: str, arch: str, timestamp: int) -> RepoVersion:
    files: dict[str, bytes] = {}
    data = []
    packages = _packages(version, repo, arch, timestamp)
    for href, body, _when in packages:
        files[href] = body
    for kind, (element, ns) in _METADATA.items():
        listed = _primary_packages(packages, arch) if kind == "primary" else ""
        count = len(packages) if kind == "primary" else 0
        raw = f'{_XML_DECL}<{element} {ns} packages="{count}">\n{listed}</{element}>\n'.encode()
        # the gzip mtime differs per version, so each version has its own checksums and names
        gz = gzip.compress(raw, mtime=timestamp)
        sha = hashlib.sha256(gz).hexdigest()
        href = f"repodata/{sha}-{kind}.xml.gz"
        files[href] = gz
        data.append(
            f'  <data type="{kind}">\n'
            f'    <checksum type="sha256">{sha}</checksum>\n'
            f'    <open-checksum type="sha256">{hashlib.sha256(raw).hexdigest()}</open-checksum>\n'
            f'    <location href="{href}"/>\n'
            f"    <timestamp>{timestamp}</timestamp>\n"
            f"    <size>{len(gz)}</size>\n"
            f"    <open-size>{len(raw)}</open-size>\n"
            f"  </data>\n"
        )
    # tags make every repository's repomd.xml distinct, as createrepo --content/--repo would
    repomd = (
        f"{_XML_DECL}"
        '<repomd xmlns="http://linux.duke.edu/metadata/repo" '
        'xmlns:rpm="http://linux.duke.edu/metadata/rpm">\n'
        f"  <revision>{timestamp}</revision>\n"
        f"  <tags>\n    <content>binary-{arch}</content>\n    <repo>{repo}</repo>\n"
        f'    <distro cpeid="cpe:/o:centos:centos:{version.split(".")[0]}">'
        f"CentOS {version}</distro>\n  </tags>\n"
        f"{''.join(data)}</repomd>\n"
    ).encode()
    return RepoVersion(
        timestamp=timestamp,
        repomd_bytes=repomd,
        sha256=hashlib.sha256(repomd).hexdigest(),
        sha512=hashlib.sha512(repomd).hexdigest(),
        size=len(repomd),
        files=files,
    )


PACKAGES_PER_VERSION = 4  # in each version's primary.xml, served under Packages/


def _packages(version: str, repo: str, arch: str, timestamp: int) -> list[tuple[str, bytes, int]]:
    """A version's packages: (href, content, build time), the newest first, a few KB each."""
    rng = random.Random(f"{version}/{repo}/{arch}/{timestamp}")
    return [
        (f"Packages/pkg{i}-{repo}-{timestamp}-1.{arch}.rpm", rng.randbytes(2048 + 512 * i),
         timestamp - 3600 * i)
        for i in range(PACKAGES_PER_VERSION)
    ]  # fmt: skip


def _primary_packages(packages: list[tuple[str, bytes, int]], arch: str) -> str:
    return "".join(
        f'<package type="rpm"><name>{href.split("/")[1].rsplit("-", 3)[0]}</name>'
        f"<arch>{arch}</arch>"
        f'<checksum type="sha256" pkgid="YES">{hashlib.sha256(body).hexdigest()}</checksum>'
        f'<time file="{when}" build="{when}"/>'
        f'<size package="{len(body)}" installed="{len(body)}" archive="{len(body)}"/>'
        f'<location href="{href}"/></package>\n'
        for href, body, when in packages
    )


def _write_iso(path: Path, size: int, seed: str) -> str:
    """Write deterministic pseudo-random content; big images get a random head and tail
    around a hole so they cost little disk and time. Returns the sha256."""
    rng = random.Random(seed)
    digest = hashlib.sha256()
    with open(path, "wb") as f:
        if size <= DENSE_ISO_LIMIT:
            data = rng.randbytes(size)
            f.write(data)
            digest.update(data)
        else:
            head, tail = rng.randbytes(SPARSE_HEAD), rng.randbytes(SPARSE_TAIL)
            f.write(head)
            f.seek(size - len(tail))
            f.write(tail)
            digest.update(head)
            zeros, left = bytes(CHUNK * 16), size - len(head) - len(tail)
            while left:
                n = min(left, len(zeros))
                digest.update(zeros[:n])
                left -= n
            digest.update(tail)
    return digest.hexdigest()


def _content_type(relpath: str) -> str:
    if relpath == "TIME" or relpath.endswith(".txt"):
        return "text/plain"
    for suffix, ctype in (
        (".xml", "text/xml"),
        (".gz", "application/x-gzip"),
        (".iso", "application/octet-stream"),
        (".rpm", "application/x-rpm"),
    ):
        if relpath.endswith(suffix):
            return ctype
    return mimetypes.guess_type(relpath)[0] or "application/octet-stream"


# --------------------------------------------------------------------------- mirrors


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


class _Altered(_Resource):
    """An image read through: `length` bytes from `offset` inverted, or zeroed."""

    __slots__ = ("bad", "zero")

    def __init__(self, res: _Resource, offset: int, length: int, *, zero: bool):
        super().__init__(res.size, res.mtime, res.content_type, res.data, res.path)
        self.bad, self.zero = (offset, offset + length), zero

    @contextlib.contextmanager
    def reader(self) -> Iterator[Callable[[int, int], bytes]]:
        with super().reader() as read:

            def altered(pos: int, n: int) -> bytes:
                data = bytearray(read(pos, n))
                lo, hi = max(pos, self.bad[0]) - pos, min(pos + n, self.bad[1]) - pos
                if lo < hi:
                    part = data[lo:hi]
                    data[lo:hi] = bytes(hi - lo) if self.zero else bytes(b ^ 0xFF for b in part)
                return bytes(data)

            yield altered


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


class _HttpProtocol(asyncio.Protocol):
    """Minimal HTTP/1.1 server connection: GET/HEAD, keep-alive, pipelining, flow control.

    A Protocol rather than streams because the benchmark runs thousands of mirrors per core.
    """

    def __init__(self, mirror: SimMirror):
        self.mirror = mirror
        self.transport: asyncio.Transport | None = None
        self.peer: str | None = None  # the client's address
        self.buf = bytearray()
        self.task: asyncio.Task | None = None  # an answer being sent asynchronously
        self.closed = False
        self._paused = False
        self._drain_waiter: asyncio.Future | None = None

    def connection_made(self, transport):
        self.transport = transport
        peer = transport.get_extra_info("peername")
        if peer and peer[0] in self.mirror.options.refuse_from:
            transport.abort()
            return
        self.peer = peer[0] if peer else None
        self.mirror._connections.add(self)

    def connection_lost(self, exc):
        self.closed = True
        self.mirror._connections.discard(self)
        if self.task is not None:
            self.task.cancel()
        self._wake_writer()

    def pause_writing(self):
        self._paused = True

    def resume_writing(self):
        self._paused = False
        self._wake_writer()

    def _wake_writer(self):
        if self._drain_waiter is not None and not self._drain_waiter.done():
            self._drain_waiter.set_result(None)

    def data_received(self, data):
        self.buf += data
        if self.task is None:
            self._process()

    def _process(self):
        while not self.closed and self.task is None:
            req = self._parse_one()
            if req is None:
                return
            self.mirror.requests[req.path] += 1
            if self.mirror.behaviour is Behaviour.HANG:
                self.buf.clear()  # read and drop, never answer
                return
            reply = self.mirror._respond(req, self.peer)
            if reply.delay or reply.bandwidth or (reply.send_body and reply.length > INLINE_BODY):
                self.task = asyncio.get_running_loop().create_task(self._send_async(reply))
                return
            body = b""
            if reply.send_body and reply.body.data is not None and type(reply.body) is _Resource:
                body = reply.body.data[reply.start : reply.start + reply.length]
                body = body.ljust(reply.length, b"\0")
            elif reply.send_body:
                with reply.body.reader() as read:
                    body = read(reply.start, reply.length)
            self.transport.write(reply.head() + body)
            if not reply.keep_alive:
                self.transport.close()
                self.closed = True

    def _parse_one(self) -> _Request | None:
        while self.buf.startswith(b"\r\n"):  # stray CRLF between requests is allowed
            del self.buf[:2]
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            if len(self.buf) > MAX_HEAD:
                self._fail(431)
            return None
        lines = bytes(self.buf[:end]).decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            return self._fail(400)
        headers = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep:
                return self._fail(400)
            headers[name.strip().lower()] = value.strip()
        try:
            body_len = int(headers.get("content-length", "0"))
        except ValueError:
            return self._fail(400)
        if "transfer-encoding" in headers or body_len < 0:
            return self._fail(400)  # GET/HEAD only: no chunked request bodies
        if len(self.buf) < end + 4 + body_len:
            return None
        del self.buf[: end + 4 + body_len]
        conn = headers.get("connection", "").lower()
        keep_alive = conn != "close" if parts[2] == "HTTP/1.1" else conn == "keep-alive"
        path = parts[1].split("?", 1)[0]
        if path.startswith(("http://", "https://")):  # absolute form, as sent to a proxy
            path = "/" + path.split("/", 3)[3] if path.count("/") >= 3 else "/"
        return _Request(parts[0].upper(), path, headers, keep_alive)

    def _fail(self, status: int) -> None:
        self.buf.clear()
        if self.mirror.behaviour is Behaviour.HANG:
            return None  # a hung server doesn't even complain
        reply = _error(status)
        reply.keep_alive = False
        self.transport.write(reply.head() + reply.body.data)
        self.transport.close()
        self.closed = True
        return None

    async def _send_async(self, reply: _Reply) -> None:
        try:
            if reply.delay:
                await asyncio.sleep(reply.delay)
            if self.closed:
                return
            self.transport.write(reply.head())
            if reply.send_body:
                chunk = CHUNK
                if reply.bandwidth:  # about ten writes a second
                    chunk = max(1024, min(CHUNK, reply.bandwidth // 10))
                pos, end = reply.start, reply.start + reply.length
                with reply.body.reader() as read:
                    while pos < end and not self.closed:
                        n = min(chunk, end - pos)
                        if reply.bandwidth:  # before the write: the last byte arrives on time
                            await asyncio.sleep(n / reply.bandwidth)
                        self.transport.write(read(pos, n))
                        pos += n
                        if self._paused:
                            self._drain_waiter = asyncio.get_running_loop().create_future()
                            await self._drain_waiter
            if not reply.keep_alive:
                self.transport.close()
                self.closed = True
        except asyncio.CancelledError:
            return
        finally:
            self.task = None
        if not self.closed and self.buf:
            self._process()  # pipelined requests waiting behind this answer


async def _listen(mirror: SimMirror, backlog: int = 128) -> None:
    # our own socket so that a port clash surfaces as a plain OSError
    family = socket.AF_INET6 if ":" in mirror.address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((mirror.address, mirror.port))
        sock.listen(backlog)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    loop = asyncio.get_running_loop()
    mirror._server = await loop.create_server(lambda: _HttpProtocol(mirror), sock=sock)
    if mirror.tls is not None:
        tls = socket.socket(family, socket.SOCK_STREAM)
        try:
            tls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            tls.bind((mirror.address, mirror.https_port))
            tls.listen(backlog)
            tls.setblocking(False)
        except OSError:
            tls.close()
            _unlisten(mirror)
            raise
        mirror._tls_server = await loop.create_server(
            lambda: _HttpProtocol(mirror), sock=tls, ssl=mirror.tls, ssl_handshake_timeout=5
        )


def _blackhole(mirror: SimMirror) -> None:
    """Listen on the mirror's ports with an accept queue of one, never accept, and fill the
    queue with connections of our own: the kernel then drops every SYN that comes (as a
    firewall that drops packets does), so a client's connect times out."""
    family = socket.AF_INET6 if ":" in mirror.address else socket.AF_INET
    ports = (mirror.port, mirror.https_port) if mirror.tls is not None else (mirror.port,)
    for port in ports:
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((mirror.address, port))
        sock.listen(0)
        mirror._blackhole.append(sock)
        for _ in range(3):
            filler = socket.socket(family, socket.SOCK_STREAM)
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect((mirror.address, port))
            mirror._blackhole.append(filler)


def _unblackhole(mirror: SimMirror) -> None:
    for sock in mirror._blackhole:
        sock.close()
    mirror._blackhole.clear()


def _unlisten(mirror: SimMirror) -> None:
    for server in (mirror._server, mirror._tls_server):
        if server is not None:
            server.close()
    mirror._server = mirror._tls_server = None
    mirror._close_connections()


def _nobody_listens(address: str, port: int) -> bool:
    """True if address:port is free, so that connecting there is refused."""
    with socket.socket(socket.AF_INET6 if ":" in address else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((address, port))
        except OSError:
            return False
    return True


def _loopback(address: str | ipaddress.IPv4Address) -> ipaddress.IPv4Address:
    addr = ipaddress.IPv4Address(address)
    if addr not in LOOPBACK:
        raise ValueError(f"{addr} is outside 127.0.0.0/8")
    return addr


def _norm_prefix(prefix: str) -> str:
    return "/" + prefix.strip("/") + "/" if prefix.strip("/") else "/"


def _pick_port(address: str, rng: random.Random) -> int:
    """A free port below the ephemeral range, where client sockets won't take it meanwhile."""
    for _ in range(50):
        port = rng.randrange(20000, 32768)
        if _nobody_listens(address, port):
            return port
    with socket.socket() as probe:
        probe.bind((address, 0))
        return probe.getsockname()[1]


class MirrorFarm:
    """Simulated mirrors, each on its own 127.0.0.X address and the same port, served by one
    background thread running an asyncio loop. The master is the first address.

    With https (the default) every mirror also serves TLS on `https_port` with a certificate
    for *.farm.test from a throwaway CA (trustme; `ca_file` is its PEM), and answers its host
    name (`mirror.host`, e.g. current.farm.test) through `resolve`, a resolver hook for the
    client: no DNS traffic. `sni` lists the server names the TLS handshakes asked for.
    """

    def __init__(
        self,
        master_tree: MasterTree | Path | None,
        port: int | None = None,
        *,
        prefix: str = "/centos/",
        base_address: str = "127.0.0.2",
        https: bool = True,
    ):
        self.tree = master_tree if isinstance(master_tree, MasterTree) else None
        self.prefix = _norm_prefix(prefix)
        self._fixed_port = port is not None
        self._next = _loopback(base_address)
        self.port = port if port is not None else _pick_port(str(self._next), random.Random())
        self.names: dict[str, str | list[str]] = {}  # host name -> address(es), for resolve
        self.sni: list[str | None] = []
        self.tls: ssl.SSLContext | None = None
        self.ca = self.ca_file = None
        self.https_port = 0
        if https:
            self._tls_setup()
        self.mirrors: dict[str, SimMirror] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        master_dir = None if master_tree is None or self.tree else Path(master_tree)
        self.master = self.add_mirror("master", Behaviour.CURRENT, tree_dir=master_dir)

    def _tls_setup(self) -> None:
        import trustme  # a test-only package

        self.ca = trustme.CA()
        cert = self.ca.issue_cert("*.farm.test", "farm.test")
        self.tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(self.tls)
        self.tls.sni_callback = lambda sslobj, name, context: self.sni.append(name)
        folder = tempfile.mkdtemp(prefix="mirrorfarm-ca-")
        weakref.finalize(self, shutil.rmtree, folder, True)
        self.ca_file = os.path.join(folder, "ca.pem")
        self.ca.cert_pem.write_to_path(self.ca_file)
        self.https_port = _pick_port(str(self._next), random.Random())

    def resolve(self, host: str, port: int = 0) -> list[str]:
        """A resolver hook (apps.core.http.SafeClient.resolver): the farm's names only."""
        try:
            found = self.names[host.lower().rstrip(".")]
        except KeyError:
            raise socket.gaierror(socket.EAI_NONAME, f"{host}: not a farm name") from None
        return list(found) if isinstance(found, list) else [found]

    def dual(self, ipv4: str, ipv6: str) -> str:
        """Make the host name of mirror `ipv4` resolve to its address and to that of mirror
        `ipv6` (on ::1, same port): a dual-stack host whose two sides may differ."""
        host = self.mirrors[ipv4].host
        self.names[host] = [self.mirrors[ipv4].address, self.mirrors[ipv6].address]
        return host

    def alias(self, name: str, mirror: str) -> str:
        """Make another host name (an IDN one, say) resolve to a mirror; its ASCII form."""
        from apps.core.http import idna_host

        host = idna_host(name)
        self.names[host] = self.mirrors[mirror].address
        return host

    def __enter__(self) -> MirrorFarm:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def __getitem__(self, name: str) -> SimMirror:
        return self.mirrors[name]

    @property
    def running(self) -> bool:
        return self._thread is not None

    def add_mirror(
        self, name: str, behaviour: Behaviour = Behaviour.CURRENT, *, address: str = "",
        **options,
    ) -> SimMirror:  # fmt: skip
        """Add a mirror on the next free address (or on `address`, a loopback one such as
        ::1); options are MirrorOptions fields."""
        if name in self.mirrors:
            raise ValueError(f"mirror {name!r} exists")
        opts = MirrorOptions(**options)
        self._check(behaviour, opts)
        if address:
            if not ipaddress.ip_address(address).is_loopback:
                raise ValueError(f"{address} is not a loopback address")
        else:
            address = _loopback(self._next)
            self._next += 1
        mirror = SimMirror(name, str(address), self.port, self.prefix, self.tree, behaviour, opts)
        mirror.tls, mirror.https_port = self.tls, self.https_port
        self.mirrors[name] = mirror
        self.names[mirror.host] = mirror.address
        if self.running:
            try:
                self._call(self._bind(mirror))
            except BaseException:
                del self.mirrors[name]
                raise
        return mirror

    def set_behaviour(self, name: str, behaviour: Behaviour, **options) -> SimMirror:
        """Change a mirror's behaviour (and options) while running; effective on return.

        Switching to REFUSED closes the listener and its connections; leaving REFUSED
        listens again; leaving HANG resets the hung connections.
        """
        mirror = self.mirrors[name]
        opts = dataclasses.replace(mirror.options, **options)
        self._check(behaviour, opts)
        if self.running:
            self._call(self._switch(mirror, behaviour, opts))
        else:
            mirror.behaviour, mirror.options = behaviour, opts
        return mirror

    def start(self) -> MirrorFarm:
        if self.running:
            return self
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="mirrorfarm", daemon=True
        )
        self._thread.start()
        try:
            self._call(self._bind_all())
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Close every socket, hung connections included; returns within about 2 s."""
        if not self.running:
            return
        try:
            self._call(self._shutdown(), timeout=1.5)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(0.5)
            if not self._thread.is_alive():
                self._loop.close()
            self._thread = self._loop = None

    # -- in the loop thread --

    def _call(self, coro, timeout: float = 10.0):
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def _check(self, behaviour: Behaviour, opts: MirrorOptions) -> None:
        if behaviour is Behaviour.BEHIND or opts.behind_from:
            if opts.tree_dir is not None or self.tree is None:
                raise ValueError("BEHIND needs the generated master tree, not a tree_dir")
            self.tree.behind_map(opts.versions_behind)  # validate now, not at the first request

    async def _bind(self, mirror: SimMirror) -> None:
        mirror.port, mirror.https_port = self.port, self.https_port
        if mirror.behaviour is Behaviour.REFUSED:
            for port in (self.port, self.https_port) if self.tls else (self.port,):
                if not _nobody_listens(mirror.address, port):
                    raise OSError(errno.EADDRINUSE, f"{mirror.address}:{port} is in use")
            return
        if mirror.behaviour is Behaviour.BLACKHOLE:
            _blackhole(mirror)
            return
        await _listen(mirror)

    async def _bind_all(self) -> None:
        for _attempt in range(10):
            try:
                for mirror in self.mirrors.values():
                    await self._bind(mirror)
                return
            except OSError as exc:
                for mirror in self.mirrors.values():
                    _unlisten(mirror)
                if self._fixed_port or exc.errno != errno.EADDRINUSE:
                    raise
                # someone holds this port on one of our addresses: move every mirror
                self.port = _pick_port(self.master.address, random.Random())
                if self.tls is not None:
                    self.https_port = _pick_port(self.master.address, random.Random())
        raise OSError(errno.EADDRINUSE, "no common free port found for the farm")

    async def _switch(self, mirror: SimMirror, behaviour: Behaviour, opts: MirrorOptions):
        old = mirror.behaviour
        mirror.behaviour, mirror.options = behaviour, opts
        quiet = (Behaviour.REFUSED, Behaviour.BLACKHOLE)  # no listener of ours
        if old is Behaviour.BLACKHOLE and behaviour is not Behaviour.BLACKHOLE:
            _unblackhole(mirror)
        if behaviour in quiet and old not in quiet:
            _unlisten(mirror)
        elif old in quiet and behaviour not in quiet:
            await _listen(mirror)
        if behaviour is Behaviour.BLACKHOLE and old is not Behaviour.BLACKHOLE:
            _blackhole(mirror)
        elif old is Behaviour.HANG and behaviour is not Behaviour.HANG:
            mirror._close_connections()

    async def _shutdown(self) -> None:
        for mirror in self.mirrors.values():
            _unlisten(mirror)
            _unblackhole(mirror)
        # aborted transports close their sockets and cancelled answers unwind next iteration
        for _ in range(3):
            await asyncio.sleep(0)


# --------------------------------------------------------------------------- many mirrors


def raise_fd_limit(needed: int) -> int:
    """Raise the soft RLIMIT_NOFILE to the hard limit if needed; return the soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed and soft != hard:
        soft = hard if hard != resource.RLIM_INFINITY else max(needed, soft)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    if soft != resource.RLIM_INFINITY and soft < needed:
        raise RuntimeError(f"need {needed} file descriptors, the hard limit is {hard}")
    return soft


def small_spec(now: int | None = None) -> TreeSpec:
    """The tree the fixtures and the benchmark use: CentOS 5.0, x86_64 and i386."""
    isos = {
        "*": [
            ("CentOS-{version}-{arch}-bin-DVD.iso", 1 << 20),
            ("CentOS-{version}-{arch}-netinstall.iso", 256 << 10),
        ]
    }
    return TreeSpec([ReleaseSpec("5.0", ["x86_64", "i386"], isos=isos)], now=now)


def serve_many(
    count: int,
    behaviours_ratio: Mapping[Behaviour, float] | None = None,
    port: int = 8480,
    tree: MasterTree | Path | None = None,
    *,
    base: str = "127.1.0.1",
    prefix: str = "/centos/",
    seed: int = 0,
    ready: Callable[[list[SimMirror]], None] | None = None,
    max_seconds: float = 0,
) -> None:
    """Serve a master at `base` and `count` mirrors on the following addresses, in this
    thread, until SIGTERM/SIGINT (or max_seconds, if set).

    behaviours_ratio gives fractions ({Behaviour.HANG: 0.05}); the rest are CURRENT and
    the assignment is a deterministic shuffle. ready(mirrors) runs once all listen; mirrors[0]
    is the master. Meant for a separate process: `python -m apps.core.testing.mirrorfarm`.
    """
    first = _loopback(base)
    _loopback(first + count)  # the last address must stay inside 127.0.0.0/8 too
    raise_fd_limit(count + 1 + 1024)  # listeners plus room for client connections
    tmp = None
    if tree is None:
        tmp = tempfile.mkdtemp(prefix="mirrorfarm-")
        tree = build_master_tree(Path(tmp), small_spec())
    master_tree = tree if isinstance(tree, MasterTree) else None
    tree_dir = None if master_tree else Path(tree)

    kinds: list[Behaviour] = []
    for behaviour, ratio in (behaviours_ratio or {}).items():
        kinds += [behaviour] * round(count * ratio)
    if len(kinds) > count:
        raise ValueError("behaviour ratios add up to more than 1")
    kinds += [Behaviour.CURRENT] * (count - len(kinds))
    random.Random(seed).shuffle(kinds)

    prefix = _norm_prefix(prefix)
    mirrors = [
        SimMirror(
            "master",
            str(first),
            port,
            prefix,
            master_tree,
            Behaviour.CURRENT,
            MirrorOptions(tree_dir=tree_dir),
        )
    ]
    for i, behaviour in enumerate(kinds, start=1):
        mirrors.append(
            SimMirror(
                f"m{i:05d}",
                str(first + i),
                port,
                prefix,
                master_tree,
                behaviour,
                MirrorOptions(tree_dir=tree_dir),
            )
        )

    async def main() -> None:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        if max_seconds:
            loop.call_later(max_seconds, stop.set)
        try:
            for mirror in mirrors:
                if mirror.behaviour is not Behaviour.REFUSED:
                    await _listen(mirror)
            if ready is not None:
                ready(mirrors)
            await stop.wait()
        finally:
            for mirror in mirrors:
                _unlisten(mirror)
            await asyncio.sleep(0)

    try:
        asyncio.run(main())
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m apps.core.testing.mirrorfarm",
        description="Serve many simulated mirrors on 127.x addresses until SIGTERM.",
    )
    parser.add_argument(
        "--serve-many",
        type=int,
        required=True,
        metavar="N",
        help="number of mirrors (besides the master at --base)",
    )
    parser.add_argument("--port", type=int, default=8480)
    parser.add_argument("--base", default="127.1.0.1", help="master address; mirrors follow")
    parser.add_argument("--prefix", default="/centos/")
    parser.add_argument("--hang-percent", type=float, default=0.0)
    parser.add_argument(
        "--mix",
        default="",
        metavar="BEHAVIOUR=PCT,...",
        help="more behaviours in percent, e.g. behind=10,refused=2,error_500=1",
    )
    parser.add_argument(
        "--tree",
        type=Path,
        help="serve this directory instead of a small generated tree (BEHIND then serves it as is)",
    )
    parser.add_argument("--epoch", type=int, help="timestamp of the generated tree")
    parser.add_argument("--manifest", type=Path, help="write name,address,behaviour,base_url CSV")
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=3600.0,
        help="stop by itself after this long (0: never)",
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    ratios: dict[Behaviour, float] = {}
    if args.hang_percent:
        ratios[Behaviour.HANG] = args.hang_percent / 100
    for item in filter(None, args.mix.split(",")):
        name, _, pct = item.partition("=")
        ratios[Behaviour(name.strip().lower())] = float(pct) / 100

    with tempfile.TemporaryDirectory(prefix="mirrorfarm-") as tmp:
        tree = args.tree or build_master_tree(Path(tmp), small_spec(args.epoch))

        def ready(mirrors: list[SimMirror]) -> None:
            if args.manifest:
                args.manifest.write_text(
                    "name,address,behaviour,base_url\n"
                    + "".join(
                        f"{m.name},{m.address},{m.behaviour.value},{m.base_url}\n" for m in mirrors
                    )
                )
            print(
                f"READY {len(mirrors) - 1} mirrors {mirrors[0].address}+1..{mirrors[-1].address}"
                f" port {args.port} master {mirrors[0].base_url}",
                flush=True,
            )

        serve_many(
            args.serve_many,
            ratios,
            args.port,
            tree,
            base=args.base,
            prefix=args.prefix,
            seed=args.seed,
            ready=ready,
            max_seconds=args.max_seconds,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
