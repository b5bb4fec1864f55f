"""Reads for the moderation queue and for who may see a mirror's page."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q

from ..choices import Approval, ContentState
from ..models import Check, Mirror, MirrorURL

# The first checks of a pending mirror shown in the queue.
QUEUE_CHECKS = 5


def mirror_moderation_queue() -> dict[str, list[Mirror]]:
    """The pending mirrors, oldest first, with their URLs, owner, latest checks and what
    those checks found of their repositories; and the mirrors out by a decision (disabled,
    suspended, rejected), newest decision first. A fixed number of queries."""
    base = (
        Mirror.objects.select_related("owner")
        .prefetch_related(
            Prefetch("urls", queryset=MirrorURL.objects.order_by("protocol", "url")),
            Prefetch(
                "checks",
                queryset=Check.objects.order_by("-checked_at", "-id")[:QUEUE_CHECKS],
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
    return {
        "pending": list(base.filter(approval=Approval.PENDING).order_by("created", "name")),
        "decided": list(
            base.filter(
                approval__in=[Approval.DISABLED, Approval.SUSPENDED, Approval.REJECTED]
            ).order_by("-modified", "name")
        ),
    }


def mirror_visible_to(user):
    """The mirrors whose page `user` may see: approved public ones for everyone; their own
    and co-owned ones (pending, rejected, private, disabled) for their people; all for staff."""
    mirrors = Mirror.objects.all()
    if user.is_authenticated and user.is_staff:
        return mirrors
    public = Q(approval=Approval.APPROVED, private=False)
    if user.is_authenticated:
        ids = Mirror.objects.managed_by(user).values("pk")
        return mirrors.filter(public | Q(pk__in=ids))
    return mirrors.filter(public)
