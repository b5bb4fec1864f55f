"""The buckets a client is served from, in order (DESIGN.md, "Choosing mirrors for a
client"): netblock or ASN, country, nearby, continent, the rest of the world, internal.
Each bucket is groups of mirrors by country with alias tables, so a plan costs
O(countries), not O(mirrors)."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from apps.core.buckets import ASN, GEOGRAPHIC, INTERNAL, NETBLOCK, place_of

from .sampler import Bucket, bucket_make, group_of
from .snapshot import Client, Target, url_for

if TYPE_CHECKING:
    from .snapshot import LoadedSnapshot

_PLAN_CACHE_LIMIT = 20_000
_NO_HITS: frozenset = frozenset()


class Planner:
    """The buckets of a loaded snapshot for each (target, country, address family,
    protocols): built on first use, memoised and bounded; the netblock and ASN indexes of
    bucket 1."""

    def __init__(self, snapshot: LoadedSnapshot):
        # No reference back to the snapshot (it holds the planner): a cycle would keep
        # every replaced snapshot alive once the store freezes the heap. Only its tables.
        self._tables = (
            snapshot.repos,
            snapshot.grace_targets,
            snapshot.files,
            snapshot.folders,
        )
        self.mirrors = snapshot.mirrors
        self.nearby_km = snapshot.nearby_km
        self.groups = snapshot.groups
        self.by_asn: dict[int, set[int]] = {}
        for m in self.mirrors:
            if m.asn:
                self.by_asn.setdefault(m.asn, set()).add(m.index)
        # Netblocks by (family, prefix length) -> network address as int -> mirrors, so a
        # client address is matched with one dict lookup per prefix length in use.
        self._netblocks: dict[tuple[int, int], dict[int, set[int]]] = {}
        for cidr, index in snapshot.netblocks:
            net = ipaddress.ip_network(cidr, strict=False)
            table = self._netblocks.setdefault((net.version, net.prefixlen), {})
            table.setdefault(int(net.network_address), set()).add(index)
        self._prefixes = {
            family: sorted((p for f, p in self._netblocks if f == family), reverse=True)
            for family in (4, 6)
        }

        self._plans: dict[tuple, tuple[Bucket, ...]] = {}
        self._indexes: dict[tuple, tuple[dict, tuple]] = {}
        self._netblock_hits: dict[str, frozenset] = {}

    @property
    def keys(self):
        return self._plans.keys()

    def buckets(self, target: Target, client: Client, protocols) -> tuple:
        buckets = self._plan(target, client.country, client.ipv6, protocols)
        special = self._special_bucket(target, client, protocols)
        return (special, *buckets) if special else buckets

    def _special_bucket(self, target: Target, client: Client, protocols) -> Bucket | None:
        """Bucket 1: mirrors that declared the client's netblock or ASN (private ones too)."""
        name = NETBLOCK
        found = self._netblocks_of(client.ip) if client.ip and self._netblocks else frozenset()
        if not found and client.asn and client.asn in self.by_asn:
            found, name = self.by_asn[client.asn], ASN
        if not found:
            return None
        family = client.family
        members = sorted(
            i
            for i in found
            if i in target.mirror_set
            and url_for(self.mirrors[i], protocols)
            and family not in self.mirrors[i].out
        )
        if not members:
            return None
        return bucket_make(name, [group_of(members, self.mirrors)])

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

    def warm(self, keys) -> int:
        """Build the plans of `keys` (taken from the previous snapshot) before this one
        serves, so a swap does not slow the first requests of each country."""
        built = 0
        for key in list(keys)[:_PLAN_CACHE_LIMIT]:
            target_key, cc, ipv6, protocols = key
            target = next((t[target_key] for t in self._tables if target_key in t), None)
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

    def _country_index(self, target: Target, protocols, ipv6: bool) -> tuple[dict, tuple]:
        """The target's public external mirrors as groups by country, and its internal
        ones, keeping those with a URL for `protocols` and listed to the client's address
        family (once per snapshot).

        {cc: (continent, all, ipv6-capable, ipv4-only)} with each a `_Group` or None, and
        (all, ipv6-capable, ipv4-only) for the internal mirrors."""
        key = (target.key, protocols, ipv6)
        found = self._indexes.get(key)
        if found is None:
            mirrors = self.mirrors
            family = "ipv6" if ipv6 else "ipv4"
            by_cc: dict[str, tuple[str, list[int]]] = {}
            internal: list[int] = []
            for index in target.mirrors:
                m = mirrors[index]
                if m.private or not url_for(m, protocols) or family in m.out:
                    continue  # private mirrors: only through bucket 1
                if m.internal:
                    internal.append(index)
                else:
                    by_cc.setdefault(m.cc, (m.continent, []))[1].append(index)

            def split(members: list[int]) -> tuple:
                capable = [i for i in members if url_for(mirrors[i], protocols)[1]]
                ipv4 = [i for i in members if not url_for(mirrors[i], protocols)[1]]
                return (
                    group_of(members, mirrors),
                    group_of(capable, mirrors),
                    group_of(ipv4, mirrors),
                )

            found = self._indexes[key] = (
                {cc: (continent, *split(members)) for cc, (continent, members) in by_cc.items()},
                split(internal),
            )
        return found

    def _build_plan(self, target: Target, cc: str | None, ipv6: bool, protocols) -> tuple:
        place = place_of(cc, nearby_km=self.nearby_km, groups=self.groups)
        by_cc, internal = self._country_index(target, protocols, ipv6)
        # Each bucket as its countries' groups: (all, ipv6-capable, ipv4-only).
        groups: dict[str, list[tuple]] = {name: [] for name in GEOGRAPHIC}
        for mirror_cc, (mirror_continent, *split) in by_cc.items():
            groups[place.bucket(mirror_cc, mirror_continent)].append(split)
        groups[INTERNAL] = [internal]
        order = [*GEOGRAPHIC, INTERNAL]
        buckets = []
        if ipv6:
            # IPv6 clients: every IPv6-capable mirror, in bucket order, before IPv4-only ones.
            for part, suffix in ((1, ""), (2, "-ipv4")):
                for name in order:
                    parts = [split[part] for split in groups[name] if split[part]]
                    if parts:
                        buckets.append(bucket_make(name + suffix, parts))
        else:
            for name in order:
                parts = [split[0] for split in groups[name] if split[0]]
                if parts:
                    buckets.append(bucket_make(name, parts))
        return tuple(buckets)
