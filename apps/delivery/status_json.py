"""The mirror status JSON, modelled on archweb's (archlinux.org/mirrors/status/json/): every
URL of the public mirrors with its last check, lag, completion share, score, and why its
mirror is not in the answers. Rendered once per snapshot version from the snapshot's
"status" part (selectors/status.py) and kept as bytes on the LoadedSnapshot, so a request costs
no database query and no serialisation. Pure Python, like the rest of the request path."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import orjson

from apps.core.geo import COUNTRIES

from .listing import listing_for

if TYPE_CHECKING:
    from .snapshot import LoadedSnapshot

# The reasons a mirror is not listed, past which the rest are counted, not named.
MAX_REASONS = 20


def status_bytes(snapshot: LoadedSnapshot, *, details: str = "/mirrors/{id}/") -> bytes:
    """The JSON of `snapshot`, rendered on the first call for its version (two threads may
    both render once; the bytes are the same)."""
    cached = getattr(snapshot, "_status_json", None)
    if cached is None or cached[0] != (snapshot.version, details):
        cached = ((snapshot.version, details), orjson.dumps(status_document(snapshot, details)))
        snapshot._status_json = cached  # type: ignore[attr-defined]
    return cached[1]


def _iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def _score(delay: int | None, avg: float | None, std: float | None, pct: float | None):
    """archweb's: (hours of lag + mean duration + its deviation, in seconds) over the share
    of successful checks; lower is better, None without a successful check."""
    if not pct or avg is None:
        return None
    return round(((delay or 0) / 3600 + avg + (std or 0)) / pct, 3)


def _reasons(snapshot: LoadedSnapshot, mirror_id: int, cache: dict) -> tuple[bool, list[str]]:
    """(listed for at least one repository or image, why not for the rest)."""
    if mirror_id not in cache:
        listing = listing_for(snapshot, mirror_id)
        if listing is None:
            cache[mirror_id] = (False, ["Not in this snapshot: added or approved since."])
        elif listing.blocked:
            cache[mirror_id] = (False, [listing.blocked])
        else:
            why = [f"{r.key}: {r.why}" for r in listing.rows if not r.listed]
            if len(why) > MAX_REASONS:
                why = [*why[:MAX_REASONS], f"and {len(why) - MAX_REASONS} more"]
            cache[mirror_id] = (any(r.listed for r in listing.rows), why)
    return cache[mirror_id]


def _url_reason(entry, url: dict) -> str:
    """Why this URL, of a listed mirror, is not the one clients are sent to ("" if it is)."""
    if url["protocol"] not in ("http", "https", "ftp"):
        return f"{url['protocol']} is for mirrors that sync, not for clients."
    served = entry.urls.get(url["protocol"]) if entry is not None else None
    base = url["url"] if url["url"].endswith("/") else url["url"] + "/"
    if served is None:
        return "Not in the answers: the URL failed a safety check."
    if served[0] != base:
        return f"The mirror's other {url['protocol']} URL is the one listed: {served[0]}"
    return ""


def status_document(snapshot: LoadedSnapshot, details: str = "/mirrors/{id}/") -> dict:
    status = snapshot.status
    lags = status.get("lags", {})
    listed_cache: dict = {}
    urls = []
    for url in status.get("urls", []):
        mirror_id = url["mirror"]
        delay, newest = lags.get(str(mirror_id), (None, None))
        total, ok, avg_ms, std_ms = url["day"] or (0, 0, None, None)
        pct = round(ok / total, 4) if total else None
        avg = round(avg_ms / 1000, 3) if avg_ms is not None else None
        std = round(std_ms / 1000, 3) if std_ms is not None else None
        listed, why = _reasons(snapshot, mirror_id, listed_cache)
        entry = snapshot.mirror_by_id(mirror_id)
        if listed and (reason := _url_reason(entry, url)):
            listed, why = False, [reason]
        country = COUNTRIES.get(url["cc"])
        urls.append(
            {
                "url": url["url"],
                "protocol": url["protocol"],
                "mirror": url["name"],
                "tier": url["tier"],
                "country": country.name if country else "",
                "country_code": url["cc"],
                "continent": country.continent if country else "",
                "last_check": _iso(url["last_check"]),
                "last_check_ok": None if url["last_check"] is None else not url["error"],
                "last_error": url["error"],
                "last_error_detail": url["detail"],
                "last_sync": _iso(newest),
                "completion_pct": pct,
                "delay": delay,
                "duration_avg": avg,
                "duration_stddev": std,
                "score": _score(delay, avg, std, pct),
                "active": listed,
                "why_not_listed": why,
                "ipv4": url["ipv4"],
                "ipv6": url["ipv6"],
                "details": details.format(id=mirror_id),
            }
        )
    return {
        "version": snapshot.version,
        "built_at": _iso(snapshot.built_at),
        "cutoff": status.get("cutoff"),
        "last_check": _iso(status.get("last_check")),
        "num_checks": status.get("num_checks", 0),
        "check_frequency": status.get("check_frequency"),
        "urls": urls,
    }
