"""One vocabulary for where a mirror stands, used by every page and the API: listed; listed
after the current ones (grace); or not listed, with the reason that matters most (pending
approval, rejected, disabled, suspended, in maintenance, down, not checked yet, behind,
missing content). Reachability (up, down, not checked) is said second, apart."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q

from ..choices import Approval, ContentState, MirrorStatus
from ..models import MaintenanceWindow, Mirror, MirrorRepositoryState


@dataclass(frozen=True)
class ListingState:
    """`code` names the badge's colour (css class state-<code>) and the API's value."""

    code: str
    label: str  # the badge: "Listed", "Not listed: down"
    reason: str  # one sentence for the first screen

    def as_json(self) -> dict:
        return {"code": self.code, "label": self.label, "reason": self.reason}


STATES = {
    "listed": "Listed",
    "grace": "Listed after the current ones",
    "pending": "Not listed: pending approval",
    "rejected": "Not listed: rejected",
    "disabled": "Not listed: disabled",
    "suspended": "Not listed: suspended",
    "maintenance": "Not listed: in maintenance",
    "down": "Not listed: down",
    "unchecked": "Not listed: not checked yet",
    "behind": "Not listed: behind",
    "missing": "Not listed: missing content",
}


def _counts(mirror_ids: list[int]) -> dict[int, dict]:
    grace = Q(state=ContentState.BEHIND, lag_seconds__lte=settings.DELIVERY_GRACE_SECONDS)
    rows = (
        MirrorRepositoryState.objects.filter(mirror_id__in=mirror_ids)
        .values("mirror_id")
        .annotate(
            current=Count("id", filter=Q(state=ContentState.CURRENT)),
            behind=Count("id", filter=Q(state=ContentState.BEHIND)),
            grace=Count("id", filter=grace),
        )
        .order_by()
    )
    return {row.pop("mirror_id"): row for row in rows}


def listing_state(mirror: Mirror, counts: dict | None, in_maintenance: bool) -> ListingState:
    """Where one mirror stands, from its approval, switch, window, status and the counts of
    its repositories current, behind and inside the grace window."""
    counts = counts or {"current": 0, "behind": 0, "grace": 0}

    def state(code: str, reason: str) -> ListingState:
        return ListingState(code, STATES[code], reason)

    if mirror.approval == Approval.PENDING:
        return state("pending", "An admin has not approved it yet.")
    if mirror.approval == Approval.REJECTED:
        return state("rejected", f"The admins did not approve it. {mirror.approval_reason}")
    if mirror.approval == Approval.DISABLED:
        return state("disabled", f"An admin disabled it. {mirror.approval_reason}".strip())
    if not mirror.owner_active:
        return state("disabled", "Its owner switched it out of the lists.")
    if mirror.suspended_at:
        return state("suspended", mirror.suspended_reason
                     or "The checks suspended it after it failed many times in a row.")  # fmt: skip
    if in_maintenance:
        return state("maintenance", "Its owner announced a maintenance window that is open now.")
    if mirror.status == MirrorStatus.DOWN:
        return state("down", "The last checks could not reach it.")
    if mirror.status == MirrorStatus.UNKNOWN:
        return state("unchecked", "The checks have not reached it yet.")
    if counts["current"]:
        return state("listed", "Clients are sent to it for the repositories it holds current.")
    if counts["grace"]:
        return state("grace", "It holds the version the master replaced a short while ago: "
                              "clients get it after the current mirrors.")  # fmt: skip
    if counts["behind"]:
        return state("behind", "Every repository it carries is behind the master's.")
    return state("missing", "None of the repositories it should carry was found on it.")


def listing_states(mirrors: Iterable[Mirror]) -> dict[int, ListingState]:
    """{mirror id: its state} for any number of mirrors, in two queries."""
    mirrors = list(mirrors)
    ids = [m.pk for m in mirrors]
    counts = _counts(ids)
    open_now = set(
        MaintenanceWindow.objects.open_at()
        .filter(mirror_id__in=ids)
        .values_list("mirror_id", flat=True)
    )
    return {m.pk: listing_state(m, counts.get(m.pk), m.pk in open_now) for m in mirrors}


def listing_state_of(mirror: Mirror, repository_states: Iterable) -> ListingState:
    """One mirror's state from its repository states already loaded (one query: its open
    maintenance window)."""
    counts = {"current": 0, "behind": 0, "grace": 0}
    for row in repository_states:
        if row.state == ContentState.CURRENT:
            counts["current"] += 1
        elif row.state == ContentState.BEHIND:
            counts["behind"] += 1
            lag = row.lag_seconds
            counts["grace"] += lag is not None and lag <= settings.DELIVERY_GRACE_SECONDS
    in_maintenance = MaintenanceWindow.objects.open_at().filter(mirror=mirror).exists()
    return listing_state(mirror, counts, in_maintenance)


def reachability(mirror: Mirror) -> tuple[str, str]:
    """The second thing said of a mirror: (css code, words)."""
    return mirror.status, {"up": "Reachable", "down": "Unreachable"}.get(
        mirror.status, "Not checked yet"
    )
