"""The simulated master tree: its releases, repositories' versions and ISO images."""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from email.utils import formatdate
from pathlib import Path

from .repos import HISTORY_STEP, RepoVersion, _content_type, _repo_version, _write_iso


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
