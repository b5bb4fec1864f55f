"""A loaded snapshot: what each worker serves from. Its lookups turn a client's question
(release, repository, architecture, file) into a Target, and `draw` chooses the mirrors,
through the buckets (docs/delivery.md) that `plans` builds and the weighted draws of `sampler`.

Pure Python over in-memory structures, no Django and no model: the lean WSGI front, the
Django views and the API all call `LoadedSnapshot.draw`.
"""

from __future__ import annotations

import random
import time
import zlib

import orjson

from apps.core.buckets import MASTER, VAULT

from .entries import (
    DEFAULT_PROTOCOLS,
    GRACE_PREFIX,
    PROTOCOLS,
    Choice,
    Client,
    MemberSet,
    MirrorEntry,
    SnapshotError,
    Target,
    mirror_entry,
    url_for,
)
from .plans import Planner
from .render import Answers
from .sampler import draw

# The types live in entries.py; importers of this module find them here too.
__all__ = [
    "DEFAULT_PROTOCOLS", "GRACE_PREFIX", "PROTOCOLS", "Choice", "Client", "LoadedSnapshot",
    "MirrorEntry", "SnapshotError", "Target", "status_pack", "url_for",
]  # fmt: skip


def status_pack(status: dict) -> bytes:
    """The status API's data as a snapshot keeps it: compressed JSON."""
    return zlib.compress(orjson.dumps(status), 1)


class LoadedSnapshot:
    """A published snapshot as a worker holds it: lookups by what clients ask for, the
    planner of buckets, and the one draw."""

    def __init__(self, data: dict, *, nearby_km: float = 5000.0, groups: dict | None = None):
        if data.get("format") != 1:
            raise SnapshotError(f"unknown snapshot format {data.get('format')!r}")
        self.version: int = int(data["version"])
        self.built_at: float = float(data["built_at"])
        self.master_url: str = data["master_url"]
        self.vault_url: str = data["vault_url"]
        self.nearby_km = nearby_km
        self.groups = {k.upper(): [c.upper() for c in v] for k, v in (groups or {}).items()}
        self.releases: dict = data["releases"]
        self.aliases: dict = data["aliases"]
        # One int object per mirror index, shared by every target and group that names it
        # (each index orjson parses is an object of its own: a few hundred thousand).
        self._ints = ints = list(range(len(data["mirrors"])))
        self.mirrors = [mirror_entry(ints[i], m) for i, m in enumerate(data["mirrors"])]
        self.repos: dict[str, Target] = {}
        self.grace_targets: dict[str, Target] = {}
        self.repo_names: set[str] = set()
        self.arch_names: set[str] = set()
        for key, r in data["repos"].items():
            self._load_repo(key, r)
        self.files: dict[str, Target] = {}
        self.folders: dict[str, Target] = {}
        self.folder_files: dict[str, list[Target]] = {}
        for key, folder in data["images"].items():
            self._load_folder(key, folder)
        self.netblocks: list = data["netblocks"]
        # Why each mirror is in the answers or not, and the windows (listing.py reads them).
        self.listing: dict = data.get("listing", {})
        self.windows: dict = data.get("windows", {})
        self.window_next: float | None = data.get("window_next")
        # The status API's data (status_json.py renders it once), compressed: a third of it.
        status = data.get("status", {})
        self._status = status if isinstance(status, bytes) else status_pack(status)
        self._by_id: dict[int, MirrorEntry] | None = None
        self._repo_hits: dict[tuple, Target] = {}
        self._bases: dict[tuple, list[str | None]] = {}
        self.planner = Planner(self)  # the plans, built here: no request pays for one
        self.answers = Answers(
            self.mirrors,
            built_at=self.built_at,
            repos=self.repos.values(),
            files=self.files.values(),
        )
        self.built_iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.built_at))
        # Sent with every answer.
        self.headers = (
            ("X-Snapshot-Version", str(self.version)),
            ("X-Snapshot-Time", self.built_iso),
        )

    def _load_repo(self, key: str, r: dict) -> None:
        """A repository's Target, and its grace window's as a Target of its own."""
        release, repo, arch = key.split("/")
        self.repo_names.add(repo)
        self.arch_names.add(arch)
        versions = tuple(tuple(v) for v in r["versions"])
        common = {"path": r["path"], "eol": r["eol"], "versions": versions,
                  "release": release, "arch": arch, "name": repo,
                  "master": r.get("master", "")}  # fmt: skip
        mirrors = self._indexes(r["mirrors"])
        target = self.repos[key] = Target(
            key=key, mirrors=mirrors, mirror_set=self._members(mirrors), **common
        )
        grace = self._indexes(r.get("grace", ()))
        if grace:
            target.grace = self.grace_targets[key + "#grace"] = Target(
                key=key + "#grace", mirrors=grace, mirror_set=self._members(grace), **common
            )

    def _indexes(self, indexes) -> tuple[int, ...]:
        return tuple(map(self._ints.__getitem__, indexes))

    def _members(self, indexes) -> MemberSet:
        return MemberSet(indexes, len(self._ints))

    def _load_folder(self, key: str, folder: dict) -> None:
        """An ISO folder's files as Targets, and the folder's own Target."""
        release, arch = key.split("/")
        files = []
        for name, f in sorted(folder["files"].items()):
            mirrors = self._indexes(f["mirrors"])
            t = Target(
                key=f"{key}/{name}",
                path=folder["path"] + name,
                eol=folder["eol"],
                mirrors=mirrors,
                mirror_set=self._members(mirrors),
                size=f["size"],
                sha256=f["sha256"],
                torrent=f["torrent"],
                release=release,
                arch=arch,
                name=name,
                master=folder.get("master", ""),
            )
            self.files[t.key] = t
            files.append(t)
        # The folder page lists the mirrors that have every image of the folder.
        having_all = self._members(())
        if files:
            having_all = files[0].mirror_set
            for t in files[1:]:
                having_all &= t.mirror_set
        self.folders[key] = Target(
            key=key,
            path=folder["path"],
            eol=folder["eol"],
            mirrors=self._indexes(having_all),
            mirror_set=having_all,
            release=release,
            arch=arch,
            master=folder.get("master", ""),
        )
        self.folder_files[key] = files

    status = property(lambda self: orjson.loads(zlib.decompress(self._status)))

    # --- looking things up -------------------------------------------------------------

    def release_version(self, release: str | None) -> str | None:
        """A release as given ("5.0", or "5" for the newest of major 5), or None."""
        if not release:
            return None
        if release in self.releases:
            return release
        return self.aliases.get(release)

    def repo_target(self, release: str | None, repo: str | None, arch: str | None):
        """(Target, None) or (None, a one-line reason listing what is valid)."""
        # Memoised for the valid combinations only (a few dozen), so the cache is bounded.
        found = self._repo_hits.get((release, repo, arch))
        if found is not None:
            return found, None
        target, reason = self._repo_target(release, repo, arch)
        if target is not None:
            self._repo_hits[(release, repo, arch)] = target
        return target, reason

    def _repo_target(self, release: str | None, repo: str | None, arch: str | None):
        if repo and not release and "-" in repo:
            # MirrorManager's form: repo=os-5
            repo, _, release = repo.rpartition("-")
        missing = [n for n, v in (("release", release), ("repo", repo), ("arch", arch)) if not v]
        if missing:
            return None, (
                f"missing {', '.join(missing)}: ask for release=<{self._list_releases()}>"
                f"&repo=<{self._list(self.repo_names)}>&arch=<{self._list(self.arch_names)}>"
            )
        version = self.release_version(release)
        if version is None:
            return None, f"unknown release {release!r}; valid: {self._list_releases()}"
        target = self.repos.get(f"{version}/{repo}/{arch}")
        if target is None:
            valid = sorted(k.split("/", 1)[1] for k in self.repos if k.startswith(version + "/"))
            return None, (
                f"release {version} has no repository {repo!r} for arch {arch!r}; valid repo/arch: "
                + (", ".join(valid) or "none")
            )
        return target, None

    def folder_target(self, release: str, arch: str):
        version = self.release_version(release)
        if version is None:
            return None, f"unknown release {release!r}; valid: {self._list_releases()}"
        target = self.folders.get(f"{version}/{arch}")
        if target is None:
            arches = sorted(k.split("/")[1] for k in self.folders if k.startswith(version + "/"))
            return None, (
                f"release {version} has no ISO images for arch {arch!r}; valid: "
                + (", ".join(arches) or "none")
            )
        return target, None

    def file_target(self, release: str, arch: str, name: str):
        folder, reason = self.folder_target(release, arch)
        if folder is None:
            return None, reason
        target = self.files.get(f"{folder.key}/{name}")
        if target is None:
            names = ", ".join(t.name for t in self.folder_files[folder.key]) or "none"
            return None, f"no image {name!r} in {folder.path}; valid: {names}"
        return target, None

    def _list_releases(self) -> str:
        return "|".join(sorted(set(self.releases) | set(self.aliases)))

    @staticmethod
    def _list(names) -> str:
        return "|".join(sorted(names))

    def mirror_by_id(self, mirror_id: int) -> MirrorEntry | None:
        if self._by_id is None:
            self._by_id = {m.id: m for m in self.mirrors}
        return self._by_id.get(mirror_id)

    def listing_for(self, mirror_id: int):
        """The mirror page's answer: per repository and ISO, listed or why not."""
        from .listing import listing_for  # (listing imports this module)

        return listing_for(self, mirror_id)

    # --- choosing ----------------------------------------------------------------------

    def draw(
        self,
        target: Target,
        client: Client,
        *,
        count: int,
        protocol: str | None = None,
        rng: random.Random = random,  # type: ignore[assignment]
        grace: bool = False,
    ) -> list[Choice]:
        """Up to `count` base URLs for `target`, best first, each with its bucket: the one
        draw that the mirrorlist, the metalink, the redirect, the pages and the API share.
        With `grace`, when fewer than `count` mirrors are current, the mirrors inside the
        grace window follow them, in the same bucket order ("grace-country", ...). Never
        empty while the snapshot names a master: the master comes last when fewer than
        `count` mirrors qualify."""
        if target.eol:
            return [Choice(self.vault_url + target.path, VAULT)]
        protocols = (protocol,) if protocol else DEFAULT_PROTOCOLS
        base, path, mirrors = self.base_urls(protocols), target.path, self.mirrors
        runs: list[tuple[str, int]] = []
        indexes = self.pick(target, client, count, protocols, rng, grace, runs)
        out, at = [], 0
        for name, n in runs:
            out += [Choice(base[i] + path, name, mirrors[i]) for i in indexes[at : at + n]]
            at += n
        if at < len(indexes):
            out.append(Choice((target.master or self.master_url) + path, MASTER))
        return out

    def pick(self, target, client, count, protocols, rng, grace=False, runs=None) -> list[int]:
        """`draw`'s choice as mirror indexes only (the front's hot path joins its answer
        from them), -1 last for the master when fewer than `count` qualify and there is
        one; `runs` gets (bucket name, how many) in order. Not for an EOL target."""
        out: list[int] = []
        taken: set[int] = set()
        plans = [("", target)]
        if grace and target.grace is not None:
            plans.append((GRACE_PREFIX, target.grace))
        for prefix, part in plans:
            if len(out) >= count:
                break
            for bucket in self.planner.buckets(part, client, protocols):
                need = count - len(out)
                if need <= 0:
                    break
                found = draw(bucket, need, rng, taken)
                out += found
                if runs is not None and found:
                    runs.append((prefix + bucket.name, len(found)))
        if len(out) < count and (target.master or self.master_url):
            out.append(-1)
        return out

    def base_urls(self, protocols) -> list[str | None]:
        """Each mirror's base URL for `protocols`, by index (built once per snapshot)."""
        found = self._bases.get(protocols)
        if found is None:
            found = self._bases[protocols] = [
                (url_for(m, protocols) or (None,))[0] for m in self.mirrors
            ]
        return found

    def folder_groups(self, target: Target, client: Client) -> dict[str, list[Choice]]:
        """The ISO folder page's mirrors by country, nearby countries and the others."""
        from .listing import folder_groups

        return folder_groups(self, target, client)
