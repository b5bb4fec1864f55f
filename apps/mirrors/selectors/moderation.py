"""Reads for the moderation queue and for who may see a mirror's page."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q

from ..choices import Approval, CheckKind, ContentState
from ..models import Check, Mirror, MirrorURL, approved_q

# The checks of a pending mirror shown in the queue: its latest, at most this many.
QUEUE_CHECKS = 300


def mirror_moderation_queue() -> dict[str, list[Mirror]]:
    """The pending mirrors, oldest first, with their URLs, owner, latest checks and what
    those checks found of their repositories; and the mirrors out by a decision (disabled,
    suspended, rejected), newest decision first. A fixed number of queries."""
    base = (
        Mirror.objects.select_related("owner", "upstream", "approval_by")
        .prefetch_related(
            Prefetch("urls", queryset=MirrorURL.objects.order_by("protocol", "url")),
            Prefetch(
                "checks",
                queryset=Check.objects.exclude(kind=CheckKind.HEALTH).order_by(
                    "-checked_at", "-id"
                )[:QUEUE_CHECKS],
                to_attr="first_checks",
            ),
        )
        .annotate(
            repos_current=Count(
                "repository_states", filter=Q(repository_states__state=ContentState.CURRENT)
            ),
            repos_behind=Count(
                "repository_states", filter=Q(repository_states__state=ContentState.BEHIND)
            ),
            repos_missing=Count(
                "repository_states", filter=Q(repository_states__state=ContentState.MISSING)
            ),
        )
    )
    pending = list(base.filter(approval=Approval.PENDING).order_by("created", "name"))
    for mirror in pending:
        mirror.check_groups = _check_groups(mirror.first_checks)
    return {
        "pending": pending,
        "decided": list(
            base.filter(
                Q(approval__in=[Approval.DISABLED, Approval.REJECTED])
                | Q(suspended_at__isnull=False)
            ).order_by("-modified", "name")
        ),
    }


def _check_groups(checks) -> list[dict]:
    """The checks of one pass by kind (timestamp file, repomd.xml, ISO images): how many
    answered, how many failed and the first failure, for the queue's card."""
    if not checks:
        return []
    latest = checks[0].checked_at
    groups: dict[str, dict] = {}
    for check in checks:
        if (latest - check.checked_at).total_seconds() > 600:
            break  # an earlier pass
        group = groups.setdefault(check.kind, {"label": check.get_kind_display(), "ok": 0,
                                               "failed": 0, "example": None})  # fmt: skip
        if check.error:
            group["failed"] += 1
            group["example"] = group["example"] or check
        else:
            group["ok"] += 1
    order = {CheckKind.TIMESTAMP: 0, CheckKind.REPOMD: 1, CheckKind.IMAGE: 2}
    return [groups[k] for k in sorted(groups, key=lambda k: order.get(k, 9))]


def mirror_visible_to(user):
    """The mirrors whose page `user` may see: approved public ones for everyone; their own
    and co-owned ones (pending, rejected, private, disabled) for their people; all for staff."""
    mirrors = Mirror.objects.all()
    if user.is_authenticated and user.is_staff:
        return mirrors
    public = approved_q() & Q(private=False)
    if user.is_authenticated:
        ids = Mirror.objects.managed_by(user).values("pk")
        return mirrors.filter(public | Q(pk__in=ids))
    return mirrors.filter(public)


def mirror_pending_count() -> int:
    """How many mirrors wait for approval (the count beside Moderation in staff's menu)."""
    return Mirror.objects.filter(approval=Approval.PENDING).count()


def mirror_current_count(mirror: Mirror) -> int:
    """How many repositories the checks found current on `mirror`."""
    return mirror.repository_states.filter(state=ContentState.CURRENT).count()
