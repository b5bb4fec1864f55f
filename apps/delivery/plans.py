"""The buckets a client is served from, in order (docs/delivery.md, "Choosing mirrors"):
netblock or ASN, country, nearby, continent, the rest of the world, internal. Each bucket
is groups of mirrors by country with alias tables, so a plan costs O(countries), not
O(mirrors).

Built when the snapshot is loaded, off the request path: the plans of every target, country
and address family for the default protocols (the ones a client that names none gets), and
the netblocks and ASNs as tables searched with one bisect or one dict lookup. What is built
later (the plans of a named protocol, the special buckets of a netblock or ASN actually
asked for) is keyed by the snapshot's own structure (targets, countries, netblock ranges,
mirror ASNs), never by a client's address, so no caller can make it grow past that."""

from __future__ import annotations

import ipaddress
from bisect import bisect_right
from collections import Counter
from typing import TYPE_CHECKING

from apps.core.buckets import ASN, GEOGRAPHIC, INTERNAL, NETBLOCK, Place, place_of
from apps.core.geo import COUNTRIES

from .entries import DEFAULT_PROTOCOLS, Client, Target, url_for
from .sampler import Bucket, bucket_make, group_of

if TYPE_CHECKING:
    from .snapshot import LoadedSnapshot

# Special buckets kept (each a netblock range or ASN, a target, protocols and a family);
# bounded by the snapshot's structure already, this is a second fence.
_SPECIAL_LIMIT = 50_000


class Planner:
    """The buckets of a loaded snapshot for each (target, country, address family,
    protocols), and the netblock and ASN tables of bucket 1.

    Holds no reference to its snapshot (which holds it): a cycle would outlive the store's
    gc.freeze() and keep every replaced snapshot alive."""

    def __init__(self, snapshot: LoadedSnapshot, *, prebuild: bool = True):
        self._tables = (snapshot.repos, snapshot.grace_targets, snapshot.files, snapshot.folders)
        self.mirrors = snapshot.mirrors
        self.nearby_km = snapshot.nearby_km
        self.groups = snapshot.groups
        by_asn: dict[int, list[int]] = {}
        for m in self.mirrors:
            if m.asn:
                by_asn.setdefault(m.asn, []).append(m.index)
        self.by_asn = {asn: tuple(members) for asn, members in by_asn.items()}
        self._netblocks = {
            False: _ranges(snapshot.netblocks, 4),
            True: _ranges(snapshot.netblocks, 6),
        }
        self.has_netblocks = any(starts for starts, _ in self._netblocks.values())
        # A client's country for planning: one the plans can tell from "no country".
        self._known = set(COUNTRIES) | {m.cc for m in self.mirrors} | set(self.groups)
        self._places: dict = {}
        self._plans: dict[tuple, tuple[Bucket, ...]] = {}
        self._shared: dict[tuple, tuple[Bucket, ...]] = {}
        self._indexes: dict[tuple, tuple[dict, tuple]] = {}
        self._home: dict[tuple, tuple[list, list]] = {}
        self._countries: dict[int, tuple] = {}  # by id() of a country index (kept alive)
        self._bucket_of: dict[str | None, dict] = {}  # client country: {(cc, continent): name}
        self._pairs = {(m.cc, m.continent) for m in self.mirrors}
        self._special: dict[tuple, Bucket | None] = {}
        self._buckets: dict[tuple, Bucket] = {}  # plans that share a bucket share it
        if prebuild:
            self.prebuild(DEFAULT_PROTOCOLS)
        self._buckets.clear()  # its keys are only for building: the plans hold the buckets
        self._home.clear()
        self._bucket_of.clear()

    def prebuild(self, protocols) -> int:
        """Build the plans of every target, country (and none) and family for `protocols`:
        at load, so that no request pays for one (plans that come out alike are shared)."""
        countries = [None, *sorted(c for c in self._known if c)]
        for table in self._tables:
            for target in table.values():
                for ipv6 in (False, True):
                    for cc in countries:
                        self._plan(target, cc, ipv6, protocols)
        return len(self._shared)

    def buckets(self, target: Target, client: Client, protocols) -> tuple:
        buckets = self._plan(target, client.country, client.ipv6, protocols)
        if (self.has_netblocks and client.ip) or (client.asn and client.asn in self.by_asn):
            special = self._special_bucket(target, client, protocols)
            if special is not None:
                return (special, *buckets)
        return buckets

    def _special_bucket(self, target: Target, client: Client, protocols) -> Bucket | None:
        """Bucket 1: mirrors that declared the client's netblock or ASN (private ones too)."""
        key = None
        if self.has_netblocks and client.ip:
            found = self.netblock_range(client)
            if found is not None:
                key = (NETBLOCK, found, target.key, protocols, client.ipv6)
        if key is None:
            if not client.asn or client.asn not in self.by_asn:
                return None
            key = (ASN, client.asn, target.key, protocols, client.ipv6)
        if key in self._special:
            return self._special[key]
        name, where = key[0], key[1]
        if name == NETBLOCK:
            ipv6, k = where
            members = self._netblocks[ipv6][1][k]
        else:
            members = self.by_asn[where]
        family, mirrors, wanted = client.family, self.mirrors, target.mirror_set
        chosen = [
            i
            for i in members
            if i in wanted and url_for(mirrors[i], protocols) and family not in mirrors[i].out
        ]
        bucket = bucket_make(name, [group_of(chosen, mirrors)]) if chosen else None
        if len(self._special) >= _SPECIAL_LIMIT:
            self._special.clear()
        self._special[key] = bucket
        return bucket

    def netblock_range(self, client: Client) -> tuple[bool, int] | None:
        """(family, the index of the range of declared netblocks holding the client's
        address) or None: one bisect over the family's sorted table."""
        value, ipv6 = client.value, client.ipv6
        if value is None:
            try:
                addr = ipaddress.ip_address(client.ip)
            except ValueError:
                return None
            if addr.version == 6 and addr.ipv4_mapped:
                addr = addr.ipv4_mapped
            value, ipv6 = int(addr), addr.version == 6
        starts, hits = self._netblocks[ipv6]
        k = bisect_right(starts, value) - 1
        if k < 0 or not hits[k]:
            return None
        return ipv6, k

    def _plan(self, target: Target, cc: str | None, ipv6: bool, protocols) -> tuple:
        if cc not in self._known:
            cc = None  # an unknown country plans as none at all (and keys nothing new)
        key = (target.key, cc, ipv6, protocols)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._build_plan(target, cc, ipv6, protocols)
        return plan

    def _place(self, cc: str | None):
        place = self._places.get(cc)
        if place is None:
            place = self._places[cc] = _place_of(cc, self.nearby_km, self.groups)
        return place

    def _homes(self, protocols, ipv6: bool) -> tuple[list, list]:
        """Per mirror for `protocols` and a family: its country (None when internal; False
        when private, without a URL or not listed to the family), and whether its URL is
        reachable over IPv6. Once per snapshot for all targets (url_for once per mirror)."""
        key = (protocols, ipv6)
        found = self._home.get(key)
        if found is None:
            family, home, capable = ("ipv6" if ipv6 else "ipv4"), [], []
            for m in self.mirrors:
                url = url_for(m, protocols)
                ok = url and not m.private and family not in m.out
                home.append((None if m.internal else m.cc) if ok else False)
                capable.append(bool(url and url[1]))
            found = self._home[key] = (home, capable)
        return found

    def _country_index(self, target: Target, protocols, ipv6: bool) -> tuple[dict, tuple]:
        """The target's public external mirrors as groups by country, and its internal
        ones, keeping those with a URL for `protocols` and listed to the client's address
        family (once per snapshot).

        {cc: (continent, all, ipv6-capable, ipv4-only)} with each a `_Group` or None, and
        (all, ipv6-capable, ipv4-only) for the internal mirrors."""
        key = (target.key, protocols, ipv6)
        found = self._indexes.get(key)
        if found is None:
            mirrors, (home, capable) = self.mirrors, self._homes(protocols, ipv6)
            continents: dict[str, str] = {}
            by_cc: dict[str | None, list[int]] = {}
            for index in target.mirrors:  # home: the mirror's country, None if internal
                cc = home[index]
                if cc is not False:  # False: private, no URL, or not listed to the family
                    by_cc.setdefault(cc, []).append(index)
            for cc in by_cc:
                if cc is not None:
                    continents[cc] = mirrors[by_cc[cc][0]].continent

            def split(members: list[int]) -> tuple:
                # An IPv4 client's plans use all of them, an IPv6 client's the two parts.
                if not ipv6:
                    return group_of(members, mirrors), None, None
                return (
                    None,
                    group_of([i for i in members if capable[i]], mirrors),
                    group_of([i for i in members if not capable[i]], mirrors),
                )

            internal = by_cc.pop(None, [])
            found = self._indexes[key] = (
                {cc: (continents[cc], *split(members)) for cc, members in by_cc.items()},
                split(internal),
            )
        return found

    def _build_plan(self, target: Target, cc: str | None, ipv6: bool, protocols) -> tuple:
        place = self._place(cc)
        by_cc, internal = self._country_index(target, protocols, ipv6)
        # Which bucket each of the target's countries falls in for this client: clients
        # whose countries put every mirror country in the same bucket share one plan.
        # (place.bucket once per client country and mirror country, not per target.)
        countries = self._countries.get(id(by_cc))
        if countries is None:
            countries = self._countries[id(by_cc)] = tuple(
                (mcc, mcont) for mcc, (mcont, *_s) in by_cc.items()
            )
        bucket_of = self._bucket_of.get(cc)
        if bucket_of is None:
            bucket_of = self._bucket_of[cc] = {p: place.bucket(*p) for p in self._pairs}
        where = tuple(map(bucket_of.__getitem__, countries))
        shared_key = (target.key, protocols, ipv6, where)
        plan = self._shared.get(shared_key)
        if plan is not None:
            return plan
        # Each bucket as its countries' groups: (all, ipv6-capable, ipv4-only).
        groups: dict[str, list[tuple]] = {name: [] for name in GEOGRAPHIC}
        for name, (_continent, *split) in zip(where, by_cc.values(), strict=True):
            groups[name].append(split)
        groups[INTERNAL] = [internal]
        order = [*GEOGRAPHIC, INTERNAL]
        buckets = []
        if ipv6:
            # IPv6 clients: every IPv6-capable mirror, in bucket order, before IPv4-only ones.
            for part, suffix in ((1, ""), (2, "-ipv4")):
                for name in order:
                    parts = [split[part] for split in groups[name] if split[part]]
                    if parts:
                        buckets.append(self._bucket(name + suffix, parts))
        else:
            for name in order:
                parts = [split[0] for split in groups[name] if split[0]]
                if parts:
                    buckets.append(self._bucket(name, parts))
        plan = self._shared[shared_key] = tuple(buckets)
        return plan

    def _bucket(self, name: str, parts: list) -> Bucket:
        """One bucket per name and set of groups, however many plans hold it (the groups
        live as long as the planner, so their ids are stable keys)."""
        key = (name, *map(id, parts))
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = bucket_make(name, parts)
        return bucket


# Places (frozen) by (country, nearby km, groups): the same for every snapshot a worker
# loads, so the distances are computed once per worker (bounded: ~250 countries per
# setting, and the settings do not change while a worker runs).
_PLACES: dict[tuple, Place] = {}


def _place_of(cc: str | None, nearby_km: float, groups: dict) -> Place:
    key = (cc, nearby_km, tuple(sorted((k, tuple(v)) for k, v in groups.items())))
    place = _PLACES.get(key)
    if place is None:
        if len(_PLACES) >= 4096:
            _PLACES.clear()
        place = _PLACES[key] = place_of(cc, nearby_km=nearby_km, groups=groups)
    return place


def _ranges(netblocks, version: int) -> tuple[list[int], list[tuple[int, ...] | None]]:
    """The declared netblocks of one IP version as one sorted table: the starts of the
    ranges between every netblock's first and past-last address, and for each range the
    mirrors (sorted) whose netblocks hold all of it (None where none does)."""
    events: list[tuple[int, int, int]] = []  # (address, +1 opens / -1 closes, mirror)
    for cidr, index in netblocks:
        try:
            net = ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            continue
        if net.version != version:
            continue
        events.append((int(net.network_address), 1, index))
        events.append((int(net.broadcast_address) + 1, -1, index))
    events.sort()
    starts: list[int] = []
    hits: list[tuple[int, ...] | None] = []
    active: Counter = Counter()
    k = 0
    while k < len(events):
        address = events[k][0]
        while k < len(events) and events[k][0] == address:
            _, change, index = events[k]
            active[index] += change
            if not active[index]:
                del active[index]
            k += 1
        starts.append(address)
        hits.append(tuple(sorted(active)) if active else None)
    return starts, hits
