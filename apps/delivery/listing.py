"""Whether a mirror is in the answers of a loaded snapshot for each repository and ISO, and
if not, why: read from the snapshot the answers are drawn from, so the mirror page and
/mirrorlist cannot disagree. Pure Python, like the rest of the request path."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .snapshot import Client, LoadedSnapshot, MirrorEntry, Target

CLIENT_PROTOCOLS = ("https", "http", "ftp")
# A mirror's entry in the snapshot's "listing" leaves out what is as these say.
LISTING_DEFAULTS = {
    "approval": "approved",
    "reason": "",
    "status": "up",
    "since": None,
    "active": True,
    "window": None,
    "failing": None,
    "repos": {},
    "images": {},
    "sides": {},  # {"ipv6": "down" or "behind"}: the clients of that family are not sent to it
    "kinds": None,  # the labels of the kinds of repository it carries, when not every kind
    "uncarried": {},  # {repository key: its kind's label}: of a kind the mirror does not carry
}
_FAMILY = {"ipv4": "IPv4", "ipv6": "IPv6"}


@dataclass(frozen=True, slots=True)
class ListingRow:
    """One repository (release/repository/architecture) or one ISO image of the snapshot."""

    key: str
    kind: str  # "repository" or "image"
    release: str
    arch: str
    name: str
    listed: bool
    why: str  # why not listed, or how it is listed ("" when plainly listed)


@dataclass(frozen=True, slots=True)
class MirrorListing:
    built_at: float
    version: int
    blocked: str  # why the mirror is in no answer at all, or ""
    rows: tuple[ListingRow, ...]
    sides: str = ""  # which address family's clients it is not listed to, and why, or ""

    @property
    def built_iso(self) -> str:
        return _when(self.built_at)

    def row(self, key: str) -> ListingRow | None:
        return next((r for r in self.rows if r.key == key), None)


def _when(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(epoch))


_APPROVAL = {
    "pending": "Pending approval: an admin has not approved it yet.",
    "rejected": "Rejected by an admin: {reason}",
    "disabled": "Disabled by an admin: {reason}",
    "suspended": "Suspended after failing checks: {reason}",
}


def _blocked(info: dict, entry: MirrorEntry | None) -> str:
    """Why no answer holds the mirror, in the order a person would fix it."""
    if info["approval"] != "approved":
        return _APPROVAL.get(info["approval"], "Not approved.").format(reason=info["reason"])
    if info["window"]:
        _starts, ends, note = info["window"]
        return f"In a maintenance window until {_when(ends)}" + (f" ({note})." if note else ".")
    if not info["active"]:
        return "Switched off by its owner."
    if info["status"] == "down":
        since = f" since {_when(info['since'])}" if info["since"] else ""
        if info["failing"]:
            url, error, detail = info["failing"]
            problem = f"{error}: {detail}" if detail else error
            return f"Down{since}: {url} failed ({problem})."
        return f"Down{since}."
    if info["status"] != "up":
        return "Not checked yet: it is listed once a check finds it up."
    if entry is None or not any(p in entry.urls for p in CLIENT_PROTOCOLS):
        return "No http, https or ftp URL that clients can be sent to."
    return ""


def _hours(lag: int | None) -> str:
    if lag is None:
        return "Behind"
    hours = max(1, round(lag / 3600))
    return f"Behind by {hours} hour{'s' if hours != 1 else ''}"


GRACE_WHY = (
    "Listed after the mirrors with the master's newest version: it holds the version the "
    "master replaced a short while ago (the grace window); dnf verifies it by the "
    "metalink's alternate hashes."
)


def _repo_why(target: Target, state: list | None) -> str:
    if state is None or state[0] == "unknown":
        return f"Repository {target.name} not checked yet on this mirror."
    if state[0] == "behind":
        return f"{_hours(state[1])} on repository {target.name}."
    return f"Repository {target.name} is missing on this mirror."


def _kinds(labels: list[str]) -> str:
    if not labels:
        return "no kind of repository"
    return " and ".join(filter(None, (", ".join(labels[:-1]), labels[-1])))


def _uncarried_why(target: Target, kind: str, carried: list[str]) -> str:
    return (f"Repository {target.name} is of kind {kind}; this mirror carries only "
            f"{_kinds(carried)} (the kinds of repository its people chose), so it is not "
            "listed for it.")  # fmt: skip


def _image_why(target: Target, state: str | None) -> str:
    if state == "wrong_size":
        return f"ISO {target.name} has the wrong size on this mirror."
    if state == "missing":
        return f"ISO {target.name} is missing on this mirror."
    return f"ISO {target.name} not checked yet on this mirror."


def _how_listed(entry: MirrorEntry) -> str:
    if entry.private:
        return "Private: listed only for clients in its netblocks or ASN."
    if not any(p in entry.urls for p in ("https", "http")):
        return "Listed only for clients that ask for ftp: it has no http or https URL."
    if entry.internal:
        return "Internal: listed after the public mirrors."
    return ""


def sides_why(sides: dict[str, str]) -> str:
    """ "IPv6 side down: not listed to IPv6 clients." for each failing family."""
    return " ".join(
        f"{_FAMILY.get(family, family)} side {'down' if state == 'down' else 'behind'}: not "
        f"listed to {_FAMILY.get(family, family)} clients."
        for family, state in sorted(sides.items())
    )


def listing_for(snapshot: LoadedSnapshot, mirror_id: int) -> MirrorListing | None:
    """Per repository and ISO (end-of-life releases left out: they go to the vault), whether
    `mirror_id` is among the target's mirrors; None for a mirror the snapshot does not
    know (a master, or one created since the build)."""
    found = snapshot.listing.get(str(mirror_id))
    if found is None:
        return None
    info = {**LISTING_DEFAULTS, **found}
    entry = snapshot.mirror_by_id(mirror_id)
    blocked = _blocked(info, entry)
    sides = "" if blocked else sides_why(info["sides"])
    rows = []
    targets = [("repository", t) for t in snapshot.repos.values()]
    targets += [("image", t) for t in snapshot.files.values()]
    for kind, target in sorted(targets, key=lambda kt: (kt[0] != "repository", kt[1].key)):
        if target.eol:
            continue
        listed = not blocked and entry is not None and entry.index in target.mirror_set
        grace = target.grace if kind == "repository" else None
        if not listed and not blocked and entry is not None and grace is not None:
            listed = entry.index in grace.mirror_set
            if listed:
                why = f"{GRACE_WHY} {sides}".strip()
                rows.append(ListingRow(target.key, kind, target.release, target.arch,
                                       target.name, True, why))  # fmt: skip
                continue
        if listed:
            carried = info["kinds"] if kind == "repository" and info["kinds"] is not None else None
            kinds = f"Listed: of the kinds of repository it carries ({_kinds(carried)})." \
                if carried is not None else ""  # fmt: skip
            why = " ".join(filter(None, (kinds, _how_listed(entry), sides)))
        elif blocked:
            why = blocked
        elif kind == "repository" and target.key in info["uncarried"]:
            why = _uncarried_why(target, info["uncarried"][target.key], info["kinds"] or [])
        elif kind == "repository":
            why = _repo_why(target, info["repos"].get(target.key))
        else:
            why = _image_why(target, info["images"].get(target.key))
        rows.append(ListingRow(target.key, kind, target.release, target.arch, target.name,
                               listed, why))  # fmt: skip
    return MirrorListing(snapshot.built_at, snapshot.version, blocked, tuple(rows), sides)


def folder_groups(snapshot: LoadedSnapshot, target: Target, client: Client) -> dict:
    """The ISO folder page: every public mirror with the folder's images, grouped as the
    client's country, nearby countries and the others (nearest first)."""
    from apps.core.buckets import COUNTRY, NEARBY, place_of
    from apps.core.geo import COUNTRIES, haversine_km

    from .snapshot import DEFAULT_PROTOCOLS, Choice, url_for

    cc = client.country
    near = place_of(cc, nearby_km=snapshot.nearby_km, groups=snapshot.groups).near
    groups: dict[str, list[Choice]] = {COUNTRY: [], NEARBY: [], "others": []}
    origin = COUNTRIES.get(cc) if cc else None
    rows = []
    for index in target.mirrors:
        m = snapshot.mirrors[index]
        url = url_for(m, DEFAULT_PROTOCOLS)
        if m.private or m.internal or not url or client.family in m.out:
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
