"""The types a loaded snapshot is made of and its planner reads: who asks (Client), what
they ask for (Target), the mirrors (MirrorEntry) and one chosen URL (Choice). A module of
its own so that snapshot.py and plans.py both import it and not each other."""

from __future__ import annotations

from dataclasses import dataclass
from sys import intern

# A bucket of mirrors inside the grace window is named with this prefix ("grace-country").
GRACE_PREFIX = "grace-"
PROTOCOLS = ("http", "https", "ftp")
# A client that names no protocol gets each mirror's https URL, else its http one.
DEFAULT_PROTOCOLS = ("https", "http")


_NO_SIDES: frozenset = frozenset()


class SnapshotError(ValueError):
    """A snapshot that cannot be served (wrong format, missing parts)."""


@dataclass(slots=True)
class Client:
    """Who asks: the address (`value`: as an int, when the locator parsed it), its family
    and its location. Not frozen: a frozen dataclass costs twice as much to build."""

    ip: str | None
    country: str | None
    continent: str | None
    ipv6: bool = False
    asn: int | None = None
    value: int | None = None

    @property
    def family(self) -> str:
        return "ipv6" if self.ipv6 else "ipv4"


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
    out: frozenset = frozenset()  # "ipv4"/"ipv6": families whose clients it is not listed to


class MemberSet:
    """Which mirror indexes are in a target, as one byte per mirror of the snapshot: `i in
    it` as a frozenset answers, at a fiftieth of a frozenset's memory (a 10,000-mirror
    frozenset is a 512 KiB hash table, one per repository and ISO)."""

    __slots__ = ("_mask", "_count")

    def __init__(self, indexes, size: int):
        mask = bytearray(size)
        for i in indexes:
            mask[i] = 1
        self._mask = bytes(mask)
        self._count = mask.count(1)

    def __contains__(self, index) -> bool:
        mask = self._mask
        return type(index) is int and 0 <= index < len(mask) and mask[index] == 1

    def __len__(self) -> int:
        return self._count

    def __iter__(self):
        mask = self._mask
        return (i for i in range(len(mask)) if mask[i])

    def __and__(self, other: MemberSet) -> MemberSet:
        both = MemberSet((), 0)
        both._mask = bytes(a & b for a, b in zip(self._mask, other._mask, strict=True))
        both._count = both._mask.count(1)
        return both

    def __repr__(self) -> str:
        return f"MemberSet({list(self)!r})"


@dataclass(slots=True)
class Target:
    """Something a client asks for: a repository or an ISO file (or an ISO folder)."""

    key: str
    path: str  # relative to a mirror's top, ending with "/" for folders
    eol: bool
    mirrors: tuple[int, ...]
    mirror_set: MemberSet
    # Repositories: the master's recent repomd.xml versions, newest first, and the mirrors
    # inside the grace window (holding a version the master replaced a short while ago) as
    # a target of their own, drawn after the current mirrors.
    versions: tuple = ()
    grace: Target | None = None
    # ISO files.
    size: int | None = None
    sha256: str = ""
    torrent: str | None = None
    release: str = ""
    arch: str = ""
    name: str = ""  # repository name or file name
    # A secondary architecture's own master, the fallback instead of the snapshot's.
    master: str = ""


def mirror_entry(i: int, m: dict) -> MirrorEntry:
    """A snapshot's mirror row as the draw reads it (positional, in MirrorEntry's order;
    the two-letter codes interned, one empty frozenset shared)."""
    sides = frozenset(m["out"]) if m.get("out") else _NO_SIDES
    urls = {p: (u[0], bool(u[1])) for p, u in m["urls"].items()}
    cc, continent = intern(m["cc"]), intern(m["continent"])
    return MirrorEntry(i, m["id"], m["name"], cc, continent, m["lat"], m["lon"], m["weight"],
                       m["internal"], m["private"], m["asn"], urls, sides)  # fmt: skip


def url_for(mirror: MirrorEntry, protocols) -> tuple[str, bool] | None:
    urls = mirror.urls
    for p in protocols:
        found = urls.get(p)
        if found:
            return found
    return None
