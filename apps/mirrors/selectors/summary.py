"""The first screen of a mirror's page for its people: where it stands (the one state
vocabulary), what the last check requested and what came back, per release, and what to do
next. A fixed handful of queries, whatever the mirror carries."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q

from ..choices import CheckKind, ContentState, ImageState
from ..models import Check, Mirror, MirrorImageState
from .states import ListingState, listing_states

WINDOW = dt.timedelta(minutes=10)  # the checks of one pass over a mirror


@dataclass
class ReleaseSummary:
    version: str
    found: int = 0
    total: int = 0
    behind: int = 0
    images_present: int = 0
    images_total: int = 0
    asked: str = ""  # one URL the last check requested for this release
    got: str = ""  # what came back
    failed: bool = False
    states: list = field(default_factory=list)  # its MirrorRepositoryState rows
    images_missing: list = field(default_factory=list)

    @property
    def sentence(self) -> str:
        parts = [f"{self.version}: {self.found} of {self.total} repositories found"]
        if self.behind:
            parts[0] += f" ({self.behind} behind)"
        if self.images_total:
            parts.append(f"{self.images_present} of {self.images_total} ISO images present")
        text = "; ".join(parts)
        if self.asked:
            text += f"; we asked {self.asked} and got {self.got}"
        return text + "."


def _result(check: dict) -> str:
    status, detail = check["http_status"], check["detail"]
    if status:
        extra = check["error"] and detail and str(status) not in detail
        return f"{status} ({detail})" if extra else str(status)
    return check["detail"] or check["error"] or "no answer"


def _latest_checks(mirror: Mirror) -> tuple[dt.datetime | None, list[dict]]:
    latest = Check.objects.filter(mirror=mirror).exclude(kind=CheckKind.HEALTH)
    latest = latest.order_by("-checked_at", "-id").values_list("checked_at", flat=True).first()
    if latest is None:
        return None, []
    rows = (
        Check.objects.filter(mirror=mirror, checked_at__gte=latest - WINDOW)
        .exclude(kind=CheckKind.HEALTH)
        .order_by("-checked_at", "-id")
        .values("url", "kind", "http_status", "error", "detail")[:2000]
    )
    return latest, list(rows)


def mirror_first_screen(mirror: Mirror) -> dict:
    """What the owner's page says first. `mirror` comes from mirrors_of_owner (its
    repository_states and images_missing prefetched)."""
    state: ListingState = listing_states([mirror])[mirror.pk]
    checked_at, checks = _latest_checks(mirror)
    releases: dict[str, ReleaseSummary] = {}
    for row in mirror.repository_states.all():
        summary = releases.setdefault(row.release.version, ReleaseSummary(row.release.version))
        summary.total += 1
        summary.found += row.state in (ContentState.CURRENT, ContentState.BEHIND)
        summary.behind += row.state == ContentState.BEHIND
        summary.states.append(row)
    images = (
        MirrorImageState.objects.filter(mirror=mirror)
        .values("image__release__version")
        .annotate(total=Count("id"), present=Count("id", filter=Q(state=ImageState.PRESENT)))
        .order_by()
    )
    for row in images:
        version = row["image__release__version"]
        summary = releases.setdefault(version, ReleaseSummary(version))
        summary.images_total, summary.images_present = row["total"], row["present"]
    for image_state in getattr(mirror, "images_missing", []):
        version = image_state.image.release.version
        if version in releases:
            releases[version].images_missing.append(image_state)
    by_release: dict[str, list[dict]] = defaultdict(list)
    stamps = []
    for check in checks:
        if check["kind"] == CheckKind.TIMESTAMP:
            stamps.append(check)
            continue
        for version in releases:
            if f"/{version}/" in check["url"]:
                by_release[version].append(check)
                break
    for version, summary in releases.items():
        asked = by_release.get(version, [])
        if asked:  # a failed request says the most; else the first one that answered
            shown = next((c for c in asked if c["error"]), asked[0])
            summary.asked, summary.got = shown["url"], _result(shown)
            summary.failed = bool(shown["error"])
    stamp = next((c for c in stamps if c["error"]), stamps[0] if stamps else None)
    ordered = sorted(releases.values(), key=lambda s: [int(p) for p in s.version.split(".")
                                                       if p.isdigit()], reverse=True)  # fmt: skip
    return {
        "state": state,
        "checked_at": checked_at,
        "timestamp": stamp
        and {
            "asked": stamp["url"],
            "got": _result(stamp),
            "failed": bool(stamp["error"]),
        },  # fmt: skip
        "releases": ordered,
        "next_step": _next_step(mirror, state, stamp, ordered),
    }


def _next_step(mirror, state, stamp, releases) -> str:
    if state.code == "pending":
        if stamp is None:
            return ("Wait for the first check (this page reloads until it arrives); an admin "
                    "then looks at it.")  # fmt: skip
        if stamp["error"]:
            return (f"Make {stamp['url']} answer: the checks start there. An admin approves "
                    "mirrors that the checks can read.")  # fmt: skip
        if not any(r.found for r in releases):
            return (
                "Check that the URL is the directory holding the releases, laid out as on "
                "the master (see the requests above), then edit it to check again."
            )
        lacking = [r.version for r in releases
                   if r.found < r.total or r.images_present < r.images_total]  # fmt: skip
        if lacking:
            return (
                f"Some of what it should carry is missing ({', '.join(lacking)}): sync those "
                "directories, or narrow what it carries (Edit); it is then checked again."
            )
        return "Nothing to do: an admin approves it soon and you get an email."
    if state.code == "down":
        where = stamp["url"] if stamp else "its URL"
        return f"Make {where} answer again; it returns to the lists once a check reaches it."
    if state.code == "missing":
        return ("Check that the URL is the directory holding the releases, laid out as on the "
                "master; edit it to check again.")  # fmt: skip
    if state.code in ("behind", "grace"):
        source = mirror.upstream.name if mirror.upstream_id else "its upstream"
        return f"Check that your rsync job from {source} runs and finishes."
    if state.code == "disabled" and not mirror.owner_active:
        return "Put it back in the lists when it is ready."
    if state.code == "maintenance":
        return "Nothing to do: it returns to the lists when the window closes."
    if state.code in ("disabled", "suspended", "rejected"):
        return "Write to the mirror admins if you think this is a mistake, once it is fixed."
    return "Nothing to do."
