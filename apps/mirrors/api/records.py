"""What the checks recorded, read-only: per-mirror repository and image states, checks and
sweeps, and the propagation of the master's pushes. A record of a mirror shows when its
mirror does (api/access.py): public mirrors' for everyone."""

from __future__ import annotations

from django.db.models import Count, Max, Min
from rest_framework import viewsets

from ..filters import (
    CheckFilterSet,
    ImageStateFilterSet,
    PushFilterSet,
    RepositoryStateFilterSet,
    SweepFilterSet,
)
from ..models import Check, MirrorImageState, MirrorRepositoryState, Push, Sweep
from .access import mirrors_visible
from .serializers import (
    CheckSerializer,
    ImageStateSerializer,
    PushSerializer,
    RepositoryStateSerializer,
    SweepSerializer,
)


class VisibleMirrorsMixin:
    """Only the records of mirrors the caller may see."""

    def visible(self, queryset):
        return queryset.filter(mirror_id__in=mirrors_visible(self.request.user).values("pk"))


class RepositoryStateViewSet(VisibleMirrorsMixin, viewsets.ReadOnlyModelViewSet):
    """How current each mirror's copy of each release/repository/architecture is."""

    serializer_class = RepositoryStateSerializer
    filterset_class = RepositoryStateFilterSet

    def get_queryset(self):
        return self.visible(
            MirrorRepositoryState.objects.select_related("release", "repository", "architecture")
        ).order_by("mirror_id", "release__version", "repository__name", "architecture__name")


class ImageStateViewSet(VisibleMirrorsMixin, viewsets.ReadOnlyModelViewSet):
    """Whether each mirror has each ISO image, with the master's size."""

    serializer_class = ImageStateSerializer
    filterset_class = ImageStateFilterSet

    def get_queryset(self):
        return self.visible(
            MirrorImageState.objects.select_related("image__release", "image__architecture")
        ).order_by("mirror_id", "image__name")


class CheckViewSet(VisibleMirrorsMixin, viewsets.ReadOnlyModelViewSet):
    """Each probe of each URL, newest first (`since=` an ISO date-time)."""

    serializer_class = CheckSerializer
    filterset_class = CheckFilterSet

    def get_queryset(self):
        return self.visible(Check.objects.all()).order_by("-checked_at", "-id")


class SweepViewSet(viewsets.ReadOnlyModelViewSet):
    """The passes of the checks over all mirrors, newest first."""

    serializer_class = SweepSerializer
    filterset_class = SweepFilterSet
    queryset = Sweep.objects.order_by("-started_at", "-id")


class PushViewSet(viewsets.ReadOnlyModelViewSet):
    """The master's pushes, newest first, with how many mirrors have had each and how long
    the first and the last took (the status page's propagation, as numbers)."""

    serializer_class = PushSerializer
    filterset_class = PushFilterSet

    def get_queryset(self):
        return Push.objects.annotate(
            arrived=Count("arrivals"),
            first_arrival_seconds=Min("arrivals__delay_seconds"),
            last_arrival_seconds=Max("arrivals__delay_seconds"),
        ).order_by("-detected_at", "-pk")
