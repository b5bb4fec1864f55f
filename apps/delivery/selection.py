"""Choosing mirrors for a client from a loaded snapshot: the buckets of DESIGN.md
("Choosing mirrors for a client"), weighted random by bandwidth inside each bucket.

Pure Python over in-memory structures, no Django: the lean WSGI front, the Django views and
the API all call `World.choose`.
"""

from __future__ import annotations

import ipaddress
import random
import time
from dataclasses import dataclass

from apps.core.geo import COUNTRIES, haversine_km, nearby_countries

# Bucket names, in the order they are tried.
NETBLOCK, ASN, COUNTRY, NEARBY, CONTINENT, WORLD, INTERNAL, MASTER, VAULT = (
    "netblock",
    "asn",
    "country",
    "nearby",
    "continent",
    "world",
    "internal",
    "master",
    "vault",
)
PROTOCOLS = ("http", "https", "ftp")
# A client that names no protocol gets each mirror's https URL, else its http one.
DEFAULT_PROTOCOLS = ("https", "http")
_PLAN_CACHE_LIMIT = 20_000
_NO_HITS: frozenset = frozenset()


class SnapshotError(ValueError):
    """A snapshot that cannot be served (wrong format, missing parts)."""


@dataclass(slots=True, frozen=True)
class Client:
    """Who asks: the address used for netblocks and the address family, and the location."""

    ip: str | None
    country: str | None
    continent: str | None
    ipv6: bool = False
    asn: int | None = None


class Choice:
    """One chosen base URL and why: the bucket it came from (a plain slotted class: built
    ten times per request)."""

    __slots__ = ("url", "bucket", "mirror")

    def __init__(self, url: str, bucket: str, mirror: MirrorEntry | None = None):
        self.url = url
        self.bucket = bucket
        self.mirror = mirror

    def __repr__(self) -> str:
        return f"Choice({self.url!r}, {self.bucket!r})"

    @property
    def country(self) -> str:
        return self.mirror.cc if self.mirror else ""


@dataclass(slots=True, frozen=True)
class MirrorEntry:
    index: int
    id: int
    name: str
    cc: str
    continent: str
    lat: float | None
    lon: float | None
    weight: int
    internal: bool
    private: bool
    asn: int | None
    urls: dict  # protocol -> (url, ipv6)


@dataclass(slots=True)
class Target:
    """Something a client asks for: a repository or an ISO file (or an ISO folder)."""

    key: str
    path: str  # relative to a mirror's top, ending with "/" for folders
    eol: bool
    mirrors: tuple[int, ...]
    mirror_set: frozenset
    # Repositories: the master's recent repomd.xml versions, newest first.
    versions: tuple = ()
    # ISO files.
    size: int | None = None
    sha256: str = ""
    torrent: str | None = None
    release: str = ""
    arch: str = ""
    name: str = ""  # repository name or file name


class _Group:
    """Mirrors that are always in the same bucket together (one country's, for one target
    and protocol choice), with an alias table (Vose) so that one weighted draw costs two
    tuple lookups whatever the group's size. Built once per snapshot and shared by every
    plan that uses the country, so a plan costs O(countries), not O(mirrors)."""

    __slots__ = ("members", "weights", "total", "prob", "alias")

    def __init__(self, members: list[int], weights: list[int]):
        self.members = tuple(members)
        self.weights = tuple(weights)
        self.total = sum(weights)
        prob, alias = _alias_table(weights)
        self.prob = prob
        self.alias = tuple(self.members[k] for k in alias)  # mirror indexes, not positions


@dataclass(slots=True, frozen=True)
class _Bucket:
    """One bucket of a plan: its groups, with an alias table over the groups' total
    weights (a draw picks a group by weight, then a mirror inside it by weight)."""

    name: str
    groups: tuple[_Group, ...]
    size: int  # mirrors in all groups
    prob: tuple[float, ...]
    alias: tuple[_Group, ...]

    def members_weights(self):
        for group in self.groups:
            yield from zip(group.members, group.weights, strict=True)


class World:
    """A loaded snapshot with the indexes the request path needs."""

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
        self.mirrors = [
            MirrorEntry(
                index=i,
                id=m["id"],
                name=m["name"],
                cc=m["cc"],
                continent=m["continent"],
                lat=m["lat"],
                lon=m["lon"],
                weight=m["weight"],
                internal=m["internal"],
                private=m["private"],
                asn=m["asn"],
                urls={p: (u[0], bool(u[1])) for p, u in m["urls"].items()},
            )
            for i, m in enumerate(data["mirrors"])
        ]
        self.by_asn: dict[int, set[int]] = {}
        for m in self.mirrors:
            if m.asn:
                self.by_asn.setdefault(m.asn, set()).add(m.index)
        # Netblocks by (family, prefix length) -> network address as int -> mirrors, so a
        # client address is matched with one dict lookup per prefix length in use.
        self._netblocks: dict[tuple[int, int], dict[int, set[int]]] = {}
        for cidr, index in data["netblocks"]:
            net = ipaddress.ip_network(cidr, strict=False)
            table = self._netblocks.setdefault((net.version, net.prefixlen), {})
            table.setdefault(int(net.network_address), set()).add(index)
        self._prefixes = {
            family: sorted((p for f, p in self._netblocks if f == family), reverse=True)
            for family in (4, 6)
        }

        self.repos: dict[str, Target] = {}
        self.repo_names: set[str] = set()
        self.arch_names: set[str] = set()
        for key, r in data["repos"].items():
            release, repo, arch = key.split("/")
            self.repo_names.add(repo)
            self.arch_names.add(arch)
            self.repos[key] = Target(
                key=key,
                path=r["path"],
                eol=r["eol"],
                mirrors=tuple(r["mirrors"]),
                mirror_set=frozenset(r["mirrors"]),
                versions=tuple(tuple(v) for v in r["versions"]),
                release=release,
                arch=arch,
                name=repo,
            )
        self.files: dict[str, Target] = {}
        self.folders: dict[str, Target] = {}
        self.folder_files: dict[str, list[Target]] = {}
        for key, folder in data["images"].items():
            release, arch = key.split("/")
            files = []
            for name, f in sorted(folder["files"].items()):
                t = Target(
                    key=f"{key}/{name}",
                    path=folder["path"] + name,
                    eol=folder["eol"],
                    mirrors=tuple(f["mirrors"]),
                    mirror_set=frozenset(f["mirrors"]),
                    size=f["size"],
                    sha256=f["sha256"],
                    torrent=f["torrent"],
                    release=release,
                    arch=arch,
                    name=name,
                )
                self.files[t.key] = t
                files.append(t)
            # The folder page lists the mirrors that have every image of the folder.
            having_all = frozenset.intersection(*(t.mirror_set for t in files)) if files else ()
            self.folders[key] = Target(
                key=key,
                path=folder["path"],
                eol=folder["eol"],
                mirrors=tuple(sorted(having_all)),
                mirror_set=frozenset(having_all),
                release=release,
                arch=arch,
            )
            self.folder_files[key] = files
        self._plans: dict[tuple, tuple[_Bucket, ...]] = {}
        self._repo_hits: dict[tuple, Target] = {}
        self._indexes: dict[tuple, tuple[dict, tuple]] = {}
        self._netblock_hits: dict[str, frozenset] = {}
        self._bases: dict[tuple, list[str | None]] = {}
        self.built_iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.built_at))
        # Sent with every answer.
        self.headers = (
            ("X-Snapshot-Version", str(self.version)),
            ("X-Snapshot-Time", self.built_iso),
        )

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

    # --- choosing ----------------------------------------------------------------------

    def choose(
        self,
        target: Target,
        client: Client,
        *,
        count: int,
        protocol: str | None = None,
        rng: random.Random | random.Random = random,
    ) -> list[Choice]:
        """Up to `count` base URLs for `target` (never none), best first, with buckets."""
        if target.eol:
            return [Choice(self.vault_url + target.path, VAULT)]
        protocols = (protocol,) if protocol else DEFAULT_PROTOCOLS
        base, path, mirrors = self._base_urls(protocols), target.path, self.mirrors
        out: list[Choice] = []
        taken: set[int] = set()
        for bucket in self._buckets(target, client, protocols):
            need = count - len(out)
            if need <= 0:
                break
            for index in _draw(bucket, need, rng, taken):
                out.append(Choice(base[index] + path, bucket.name, mirrors[index]))
        if len(out) < count:
            out.append(Choice(self.master_url + path, MASTER))
        return out

    def choose_urls(
        self,
        target: Target,
        client: Client,
        *,
        count: int,
        protocol: str | None = None,
        rng: random.Random | random.Random = random,
    ) -> list[str]:
        """`choose` for the hot path: the same draw, only the URLs."""
        if target.eol:
            return [self.vault_url + target.path]
        protocols = (protocol,) if protocol else DEFAULT_PROTOCOLS
        picked: list[int] = []
        taken: set[int] = set()
        for bucket in self._buckets(target, client, protocols):
            need = count - len(picked)
            if need <= 0:
                break
            picked += _draw(bucket, need, rng, taken)
        base, path = self._base_urls(protocols), target.path
        urls = [base[i] + path for i in picked]
        if len(urls) < count:
            urls.append(self.master_url + path)
        return urls

    def _buckets(self, target: Target, client: Client, protocols) -> tuple:
        buckets = self._plan(target, client.country, client.ipv6, protocols)
        special = self._special_bucket(target, client, protocols)
        return (special, *buckets) if special else buckets

    def _base_urls(self, protocols) -> list[str | None]:
        """Each mirror's base URL for `protocols`, by index (built once per snapshot)."""
        found = self._bases.get(protocols)
        if found is None:
            found = self._bases[protocols] = [
                (_url_for(m, protocols) or (None,))[0] for m in self.mirrors
            ]
        return found

    def _special_bucket(self, target: Target, client: Client, protocols) -> _Bucket | None:
        """Bucket 1: mirrors that declared the client's netblock or ASN (private ones too)."""
        name = NETBLOCK
        found = self._netblocks_of(client.ip) if client.ip and self._netblocks else frozenset()
        if not found and client.asn and client.asn in self.by_asn:
            found, name = self.by_asn[client.asn], ASN
        if not found:
            return None
        members = sorted(
            i for i in found if i in target.mirror_set and _url_for(self.mirrors[i], protocols)
        )
        if not members:
            return None
        return _make_bucket(name, [_group(members, self.mirrors)])

    def _netblocks_of(self, ip: str) -> frozenset:
        """Mirrors whose netblocks contain `ip` (memoised: one dict lookup per request)."""
        hits = self._netblock_hits.get(ip)
        if hits is not None:
            return hits
        found: set[int] = set()
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            addr = None
        if addr is not None:
            if addr.version == 6 and addr.ipv4_mapped:
                addr = addr.ipv4_mapped
            value, bits = int(addr), (32 if addr.version == 4 else 128)
            for prefix in self._prefixes[addr.version]:
                hit = self._netblocks[(addr.version, prefix)].get(
                    value >> (bits - prefix) << (bits - prefix)
                )
                if hit:
                    found |= hit
        if len(self._netblock_hits) > _PLAN_CACHE_LIMIT * 5:
            self._netblock_hits.clear()
        hits = self._netblock_hits[ip] = frozenset(found) if found else _NO_HITS
        return hits

    def folder_groups(self, target: Target, client: Client) -> dict[str, list[Choice]]:
        """The ISO folder page: every public mirror with the folder's images, grouped as
        the client's country, nearby countries and the others (nearest first)."""
        cc = client.country
        near = set(nearby_countries(cc, self.nearby_km)) if cc else set()
        near.update(self.groups.get(cc, ()) if cc else ())
        groups: dict[str, list[Choice]] = {COUNTRY: [], NEARBY: [], "others": []}
        origin = COUNTRIES.get(cc) if cc else None
        rows = []
        for index in target.mirrors:
            m = self.mirrors[index]
            url = _url_for(m, DEFAULT_PROTOCOLS)
            if m.private or m.internal or not url:
                continue
            name = COUNTRY if m.cc == cc else NEARBY if m.cc in near else "others"
            distance = (
                haversine_km(origin.lat, origin.lon, m.lat, m.lon)
                if origin and m.lat is not None and m.lon is not None
                else 0.0
            )
            rows.append((name, distance, m.name, Choice(url[0] + target.path, name, m)))
        for name, _distance, _n, choice in sorted(rows, key=lambda r: (r[1], r[2])):
            groups[name].append(choice)
        return groups

    def warm(self, keys) -> int:
        """Build the plans of `keys` (taken from the previous snapshot) before this one
        serves, so a swap does not slow the first requests of each country."""
        built = 0
        for key in list(keys)[:_PLAN_CACHE_LIMIT]:
            target_key, cc, ipv6, protocols = key
            target = (
                self.repos.get(target_key)
                or self.files.get(target_key)
                or self.folders.get(target_key)
            )
            if target is not None and key not in self._plans:
                self._plans[key] = self._build_plan(target, cc, ipv6, protocols)
                built += 1
        return built

    def _plan(self, target: Target, cc: str | None, ipv6: bool, protocols) -> tuple:
        key = (target.key, cc, ipv6, protocols)
        plan = self._plans.get(key)
        if plan is None:
            if len(self._plans) > _PLAN_CACHE_LIMIT:
                self._plans.clear()  # bounded: a snapshot's plans are cheap to rebuild
            plan = self._plans[key] = self._build_plan(target, cc, ipv6, protocols)
        return plan

    def _country_index(self, target: Target, protocols) -> tuple[dict, tuple]:
        """The target's public external mirrors as groups by country, and its internal
        ones, keeping those with a URL for `protocols` (once per snapshot).

        {cc: (continent, all, ipv6-capable, ipv4-only)} with each a `_Group` or None, and
        (all, ipv6-capable, ipv4-only) for the internal mirrors."""
        key = (target.key, protocols)
        found = self._indexes.get(key)
        if found is None:
            mirrors = self.mirrors
            by_cc: dict[str, tuple[str, list[int]]] = {}
            internal: list[int] = []
            for index in target.mirrors:
                m = mirrors[index]
                if m.private or not _url_for(m, protocols):
                    continue  # private mirrors: only through bucket 1
                if m.internal:
                    internal.append(index)
                else:
                    by_cc.setdefault(m.cc, (m.continent, []))[1].append(index)

            def split(members: list[int]) -> tuple:
                capable = [i for i in members if _url_for(mirrors[i], protocols)[1]]
                ipv4 = [i for i in members if not _url_for(mirrors[i], protocols)[1]]
                return _group(members, mirrors), _group(capable, mirrors), _group(ipv4, mirrors)

            found = self._indexes[key] = (
                {cc: (continent, *split(members)) for cc, (continent, members) in by_cc.items()},
                split(internal),
            )
        return found

    def _build_plan(self, target: Target, cc: str | None, ipv6: bool, protocols) -> tuple:
        cc = cc.upper() if cc else None
        country = COUNTRIES.get(cc) if cc else None
        continent = country.continent if country else None
        near = set(nearby_countries(cc, self.nearby_km)) if cc else set()
        near.update(self.groups.get(cc, ()) if cc else ())
        near.discard(cc)
        by_cc, internal = self._country_index(target, protocols)
        # Each bucket as its countries' groups: (all, ipv6-capable, ipv4-only).
        groups: dict[str, list[tuple]] = {COUNTRY: [], NEARBY: [], CONTINENT: [], WORLD: []}
        for mirror_cc, (mirror_continent, *split) in by_cc.items():
            if cc and mirror_cc == cc:
                groups[COUNTRY].append(split)
            elif mirror_cc in near:
                groups[NEARBY].append(split)
            elif continent and mirror_continent == continent:
                groups[CONTINENT].append(split)
            else:
                groups[WORLD].append(split)
        groups[INTERNAL] = [internal]
        order = [COUNTRY, NEARBY, CONTINENT, WORLD, INTERNAL]
        buckets = []
        if ipv6:
            # IPv6 clients: every IPv6-capable mirror, in bucket order, before IPv4-only ones.
            for part, suffix in ((1, ""), (2, "-ipv4")):
                for name in order:
                    parts = [split[part] for split in groups[name] if split[part]]
                    if parts:
                        buckets.append(_make_bucket(name + suffix, parts))
        else:
            for name in order:
                parts = [split[0] for split in groups[name] if split[0]]
                if parts:
                    buckets.append(_make_bucket(name, parts))
        return tuple(buckets)


def _url_for(mirror: MirrorEntry, protocols) -> tuple[str, bool] | None:
    urls = mirror.urls
    for p in protocols:
        found = urls.get(p)
        if found:
            return found
    return None


def _group(members: list[int], mirrors) -> _Group | None:
    return _Group(members, [mirrors[i].weight for i in members]) if members else None


def _make_bucket(name: str, groups: list[_Group]) -> _Bucket:
    prob, alias = _alias_table([g.total for g in groups])
    return _Bucket(
        name,
        tuple(groups),
        sum(len(g.members) for g in groups),
        prob,
        tuple(groups[k] for k in alias),
    )


def _alias_table(weights: list[int]) -> tuple[tuple[float, ...], tuple[int, ...]]:
    """Vose's alias method: slot k keeps position k with probability prob[k], otherwise
    gives position alias[k]. A uniformly drawn slot then yields each position with
    probability weight / total, exactly (up to float rounding)."""
    n, total = len(weights), sum(weights)
    scaled = [w * n / total for w in weights]
    prob, alias = [1.0] * n, list(range(n))
    small = [k for k, p in enumerate(scaled) if p < 1.0]
    large = [k for k, p in enumerate(scaled) if p >= 1.0]
    while small and large:
        low, high = small.pop(), large.pop()
        prob[low], alias[low] = scaled[low], high
        scaled[high] -= 1.0 - scaled[low]
        (small if scaled[high] < 1.0 else large).append(high)
    # What is left over is 1.0 up to rounding: those slots keep their own position.
    return tuple(prob), tuple(alias)


def _draw(bucket: _Bucket, need: int, rng, taken: set[int]) -> list[int]:
    """Up to `need` members not in `taken`, drawn without replacement with probability
    proportional to weight; adds them to `taken`."""
    got: list[int] = []
    rand = rng.random
    if bucket.size > 4 * need + 16:
        # Large bucket: weighted draws with replacement, rejecting repeats. Each accepted
        # draw is weighted among those left, so this is exact. A draw is a group by the
        # bucket's alias table, then a mirror by the group's: O(1), no list is built.
        # (random() < 1 - 2**-53, so int(u) < n for any n the tables can have.)
        groups, gprob, galias = bucket.groups, bucket.prob, bucket.alias
        ngroups = len(groups)
        group = groups[0]
        members, prob, alias, n = group.members, group.prob, group.alias, len(group.members)
        for _ in range(need * 8):
            if ngroups > 1:
                u = rand() * ngroups
                k = int(u)
                group = groups[k] if u - k < gprob[k] else galias[k]
                members, prob, alias, n = group.members, group.prob, group.alias, len(group.members)
            u = rand() * n
            k = int(u)
            index = members[k] if u - k < prob[k] else alias[k]
            if index not in taken:
                taken.add(index)
                got.append(index)
                if len(got) == need:
                    return got
    # Small bucket (or a skewed one): Efraimidis-Spirakis, key = u ** (1 / weight).
    keyed = sorted(((rand() ** (1.0 / w), i) for i, w in bucket.members_weights()), reverse=True)
    for _, index in keyed:
        if len(got) == need:
            break
        if index not in taken:
            taken.add(index)
            got.append(index)
    return got
