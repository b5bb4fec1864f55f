"""What a snapshot records about every mirror besides the answers themselves: why a mirror
is not in them (its approval, status, last failing check, the repositories and images it
lacks) and the maintenance windows. Read once per build, in the build's transaction; the
mirror page explains a mirror from it (listing.py) rather than from rules of its own."""

from __future__ import annotations

import datetime as dt

from django.db.models import OuterRef, Subquery

from apps.mirrors.choices import (
    SUSPENDED,
    CheckError,
    ContentState,
    ImageState,
    MirrorStatus,
    MirrorTier,
)
from apps.mirrors.models import (
    Check,
    MaintenanceWindow,
    Mirror,
    MirrorImageState,
    MirrorRepositoryState,
    approved_q,
)
from apps.releases.choices import RepositoryKind
from apps.releases.models import Repository

from ..listing import LISTING_DEFAULTS


def windows_collect(*, now: dt.datetime) -> tuple[dict[int, list], set[int], float | None]:
    """({mirror id: [[starts, ends, note], ...]} of the windows not over yet (epoch seconds),
    the mirrors in a window now, and the next time a window opens or closes)."""
    windows: dict[int, list] = {}
    resting: set[int] = set()
    boundaries = []
    for mirror_id, starts, ends, note in (
        MaintenanceWindow.objects.upcoming(now)
        .order_by("mirror_id", "starts_at")
        .values_list("mirror_id", "starts_at", "ends_at", "note")
    ):
        windows.setdefault(mirror_id, []).append([starts.timestamp(), ends.timestamp(), note])
        if starts <= now:
            resting.add(mirror_id)
        else:
            boundaries.append(starts.timestamp())
        boundaries.append(ends.timestamp())
    return windows, resting, min(boundaries, default=None)


def _last_failure(field: str) -> Subquery:
    failed = Check.objects.filter(mirror=OuterRef("pk")).exclude(error="")
    return Subquery(failed.order_by("-checked_at", "-id").values(field)[:1])


ALL_KINDS = frozenset(RepositoryKind.values)


def _kinds_note(listing: dict, restricted: dict[str, set[str]], repo_keys: dict) -> None:
    """The kinds of repository a mirror carries when its people left some out, and the
    repositories it is therefore not listed for ({key: their kind}). One query, and only
    when some mirror carries fewer than every kind."""
    if not restricted:
        return
    labels = dict(RepositoryKind.choices)
    kind_of = dict(Repository.objects.values_list("id", "kind"))
    for mirror_id, kinds in restricted.items():
        listing[mirror_id]["kinds"] = [labels[k] for k in RepositoryKind.values if k in kinds]
        listing[mirror_id]["uncarried"] = {
            key: labels.get(kind_of.get(repo_id), kind_of.get(repo_id) or "?")
            for (_release_id, repo_id, _arch_id), key in repo_keys.items()
            if kind_of.get(repo_id) not in kinds
        }


def listing_collect(
    *,
    windows: dict[int, list],
    resting: set[int],
    repo_keys: dict[tuple[int, int, int], str],
    image_keys: dict[int, str],
) -> dict[str, dict]:
    """{mirror id: what decides its place in the lists}, for every mirror but the masters.

    A fixed number of queries: the mirrors, the last failed check of the down ones, the
    repositories' kinds (only when some mirror carries fewer than every kind), and the
    repository and image states of approved mirrors that are not current or present (the
    current ones are in the answers already).
    """
    listing: dict[str, dict] = {}
    restricted: dict[str, set[str]] = {}
    for mirror_id, approval, reason, suspended_at, why, status, since, active, kinds in (
        Mirror.objects.exclude(tier=MirrorTier.MASTER)
        .order_by("id")
        .values_list("id", "approval", "approval_reason", "suspended_at", "suspended_reason",
                     "status", "status_since", "owner_active", "repository_kinds")
    ):  # fmt: skip
        if set(kinds or ()) != ALL_KINDS:
            restricted[str(mirror_id)] = set(kinds or ())
        # The windows are in start order: the first of a resting mirror is the open one.
        window = windows[mirror_id][0] if mirror_id in resting else None
        info = {  # "approval": the mirror's standing (its approval, or suspended by the checks)
            "approval": SUSPENDED if suspended_at else approval,
            "reason": why if suspended_at else reason,
            "status": status,
            "since": since.timestamp() if since else None,
            "active": active,
            "window": window,
        }
        # Only what differs from a listed mirror's: most mirrors then cost a few bytes.
        listing[str(mirror_id)] = {k: v for k, v in info.items() if LISTING_DEFAULTS[k] != v}
    _kinds_note(listing, restricted, repo_keys)
    for mirror_id, url, error, detail in (
        Mirror.objects.filter(status=MirrorStatus.DOWN)
        .exclude(tier=MirrorTier.MASTER)
        .annotate(
            fail_url=_last_failure("url"),
            fail_error=_last_failure("error"),
            fail_detail=_last_failure("detail"),
        )
        .values_list("id", "fail_url", "fail_error", "fail_detail")
    ):
        if url:
            label = CheckError(error).label if error in CheckError.values else error
            listing[str(mirror_id)]["failing"] = [url, str(label), detail or ""]
    for mirror_id, release_id, repo_id, arch_id, state, lag in (
        MirrorRepositoryState.objects.filter(approved_q("mirror__"))
        .exclude(state=ContentState.CURRENT)
        .values_list(
            "mirror_id", "release_id", "repository_id", "architecture_id", "state", "lag_seconds"
        )
    ):
        key = repo_keys.get((release_id, repo_id, arch_id))
        if key and str(mirror_id) in listing:
            listing[str(mirror_id)].setdefault("repos", {})[key] = [state, lag]
    for mirror_id, image_id, state in (
        MirrorImageState.objects.filter(approved_q("mirror__"))
        .exclude(state=ImageState.PRESENT)
        .values_list("mirror_id", "image_id", "state")
    ):
        key = image_keys.get(image_id)
        if key and str(mirror_id) in listing:
            listing[str(mirror_id)].setdefault("images", {})[key] = state
    return listing
