"""Reads for a mirror's people: their mirrors with states, lags, missing images and check
history (a fixed number of queries for any number of mirrors), and what the latest check
found wrong with a mirror's tree (the owner panel of the mirror's page)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Prefetch, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from ..choices import CheckKind, ContentState, ImageState
from ..models import (
    Check,
    CheckDaily,
    MaintenanceWindow,
    Mirror,
    MirrorImageState,
    MirrorRepositoryState,
    MirrorURL,
)

HISTORY_DAYS = 14


def _level(ratio: float | None) -> str:
    if ratio is None:
        return "none"
    return "ok" if ratio >= 0.95 else "warn" if ratio >= 0.5 else "bad"


def mirrors_check_history(mirror_ids: list[int], *, days: int = HISTORY_DAYS) -> dict:
    """{mirror id: one bar a day}, as the mirror page's chart, in two queries."""
    first = timezone.now().date() - dt.timedelta(days=days - 1)
    counts: dict[int, dict] = defaultdict(dict)
    for row in CheckDaily.objects.filter(mirror_id__in=mirror_ids, day__gte=first).values(
        "mirror_id", "day", "checks", "failures"
    ):
        counts[row["mirror_id"]][row["day"]] = (row["checks"], row["failures"])
    raw = (
        Check.objects.filter(mirror_id__in=mirror_ids, checked_at__date__gte=first)
        .annotate(day=TruncDate("checked_at"))
        .values("mirror_id", "day")
        .annotate(checks=Count("id"), failures=Count("id", filter=~Q(error="")))
        .order_by()
    )
    for row in raw:
        counts[row["mirror_id"]][row["day"]] = (row["checks"], row["failures"])
    history = {}
    for mirror_id in mirror_ids:
        bars = []
        for offset in range(days):
            day = first + dt.timedelta(days=offset)
            checks, failures = counts[mirror_id].get(day, (0, 0))
            ratio = (checks - failures) / checks if checks else None
            bars.append({"day": day, "checks": checks, "failures": failures,
                         "percent": None if ratio is None else round(100 * ratio),
                         "level": _level(ratio)})  # fmt: skip
        history[mirror_id] = bars
    return history


def mirrors_of_owner(user, *, pk: int | None = None) -> list[Mirror]:
    """The mirrors `user` manages (or only the one with `pk`), each with
    `.repository_states`, `.images_missing`, `.history` and `.windows` (upcoming
    maintenance)."""
    managed = Mirror.objects.managed_by(user)
    if pk is not None:
        managed = managed.filter(pk=pk)
    mirrors = list(
        managed.select_related("upstream")
        .prefetch_related(
            Prefetch("urls", queryset=MirrorURL.objects.order_by("protocol", "url")),
            Prefetch(
                "repository_states",
                queryset=MirrorRepositoryState.objects.select_related(
                    "release", "repository", "architecture"
                ).order_by("release__version", "repository__name", "architecture__name"),
            ),
            Prefetch(
                "image_states",
                queryset=MirrorImageState.objects.exclude(state=ImageState.PRESENT)
                .select_related("image__release")
                .order_by("image__name"),
                to_attr="images_missing",
            ),
            Prefetch(
                "maintenance",
                queryset=MaintenanceWindow.objects.upcoming().order_by("starts_at"),
                to_attr="windows",
            ),
        )
        .order_by("name")
    )
    history = mirrors_check_history([m.pk for m in mirrors])
    for mirror in mirrors:
        mirror.history = history[mirror.pk]
    return mirrors


def mirror_check_findings(mirror: Mirror) -> dict:
    """What the latest checks of the mirror found: when, whether its tree answered, and
    each way it does not look like the distribution's (no TIME file, no repodata)."""
    latest = Check.objects.filter(mirror=mirror).order_by("-checked_at", "-id").first()
    if latest is None:
        return {"checked_at": None, "problems": [], "reachable": None}
    since = latest.checked_at - dt.timedelta(minutes=10)
    times = list(
        Check.objects.filter(mirror=mirror, kind=CheckKind.TIMESTAMP, checked_at__gte=since)
        .order_by("url")
        .values("url", "error", "http_status", "detail")
    )
    problems = []
    for check in times:
        if check["error"]:
            why = f"HTTP {check['http_status']}" if check["http_status"] else check["detail"]
            problems.append(f"No timestamp file at {check['url']} ({why}).")
    reachable = any(not c["error"] for c in times)
    if reachable:
        missing = (
            MirrorRepositoryState.objects.filter(mirror=mirror, state=ContentState.MISSING)
            .select_related("release", "repository", "architecture")
            .order_by("release__version", "repository__name", "architecture__name")
        )
        for state in missing:
            problems.append(
                f"No repodata for {state.release.version} {state.repository.name} "
                f"{state.architecture.name}."
            )
    return {"checked_at": latest.checked_at, "problems": problems, "reachable": reachable}


def mirror_owner_panel(*, mirror: Mirror, user) -> dict:
    """The context of templates/mirrors/includes/owner_panel.html: {"owner_panel": ...}
    for the people who manage `mirror`, {} for anyone else."""
    if not getattr(user, "is_authenticated", False):
        return {}
    if not Mirror.objects.managed_by(user).filter(pk=mirror.pk).exists():
        return {}
    return {"owner_panel": {"mirror": mirror, "findings": mirror_check_findings(mirror)}}


def invite_refusal(*, invite, user) -> str:
    """Why `user` may not accept `invite` ("" when they may): an invitation is for the
    address it was sent to, so only an account that has confirmed that address takes it."""
    from allauth.account.models import EmailAddress

    if invite.accepted_at is not None:
        return "This invitation has already been used."
    if not EmailAddress.objects.filter(
        user=user, email__iexact=invite.email, verified=True
    ).exists():
        return (
            f"This invitation was sent to {invite.email}. Log in with the account that has "
            "confirmed that address (or add and confirm it in your account's email "
            "settings) to accept it."
        )
    return ""
