"""The order a client's choices are tried in (docs/delivery.md, "Choosing mirrors"),
shared by the mirrorlist (apps.delivery.plans) and msync (apps.mirrors.selectors.msync): the
bucket names, and which geographic bucket a mirror's country falls in for a client's place.
Pure Python, no Django: it is on the delivery front's request path."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .geo import COUNTRIES, nearby_countries

# Bucket names, in the order they are tried; "global" is the rest of the world.
NETBLOCK, ASN, COUNTRY, NEARBY, CONTINENT, GLOBAL, INTERNAL, MASTER, VAULT = (
    "netblock",
    "asn",
    "country",
    "nearby",
    "continent",
    "global",
    "internal",
    "master",
    "vault",
)
GEOGRAPHIC = (COUNTRY, NEARBY, CONTINENT, GLOBAL)
ORDER = (NETBLOCK, ASN, *GEOGRAPHIC, INTERNAL, MASTER)


@dataclass(frozen=True, slots=True)
class Place:
    """Where a client is, as the buckets see it: its country, that country's continent, and
    the nearby countries (within `nearby_km`, land neighbours, and a configured group)."""

    cc: str | None
    continent: str | None
    near: frozenset[str]

    def bucket(self, cc: str, continent: str | None) -> str:
        """The geographic bucket of a mirror in country `cc` (on `continent`)."""
        if self.cc and cc == self.cc:
            return COUNTRY
        if cc in self.near:
            return NEARBY
        if self.continent and continent == self.continent:
            return CONTINENT
        return GLOBAL


def place_of(
    cc: str | None,
    *,
    nearby_km: float = 5000.0,
    groups: Mapping[str, Sequence[str]] | None = None,
) -> Place:
    """The place of a client in country `cc` (None or unknown: everything is global)."""
    cc = cc.upper() if cc else None
    country = COUNTRIES.get(cc) if cc else None
    near = set(nearby_countries(cc, nearby_km)) if cc else set()
    near.update((groups or {}).get(cc, ()) if cc else ())
    near.discard(cc)
    return Place(cc, country.continent if country else None, frozenset(near))
