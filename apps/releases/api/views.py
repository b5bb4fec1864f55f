"""The releases API: releases, architectures, repositories, the master's repository
versions and the ISO images. Anyone reads; staff edit releases, architectures, repositories
and images (through the services, so the mirror lists follow after commit)."""

from django.db.models import Prefetch, ProtectedError
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.api import Conflict, StaffWritesOrReadOnly

from .. import services
from ..filters import (
    ArchitectureFilterSet,
    ImageFilterSet,
    ReleaseArchitectureFilterSet,
    ReleaseFilterSet,
    RepositoryFilterSet,
    RepositoryVersionFilterSet,
)
from ..models import (
    Architecture,
    Image,
    Release,
    ReleaseArchitecture,
    Repository,
    RepositoryVersion,
)
from .lifecycle import SignedInWrites, refusals
from .lifecycle_serializers import EventSerializer, StepSerializer
from .serializers import (
    ArchitectureSerializer,
    EndOfLifeSerializer,
    ImageSerializer,
    ReleaseArchitectureSerializer,
    ReleaseSerializer,
    RepositorySerializer,
    RepositoryVersionSerializer,
)


class StaffWriteViewSet(viewsets.ModelViewSet):
    """Reads for anyone, writes for staff; the person who writes is handed to the service.
    A delete goes through `delete_service` (catalogue_delete by default)."""

    permission_classes = [StaffWritesOrReadOnly]
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def perform_create(self, serializer):
        serializer.save(by=self.request.user)

    def perform_update(self, serializer):
        serializer.save(by=self.request.user)

    def perform_destroy(self, instance):
        self.delete_service(instance=instance, by=self.request.user)

    @staticmethod
    def delete_service(*, instance, by):
        services.catalogue_delete(instance=instance, by=by)


class ReleaseViewSet(StaffWriteViewSet):
    queryset = Release.objects.prefetch_related(
        Prefetch("architectures", queryset=Architecture.objects.only("id", "name")),
        Prefetch("repositories", queryset=Repository.objects.only("id", "name")),
    )
    serializer_class = ReleaseSerializer
    filterset_class = ReleaseFilterSet
    lookup_field = "version"
    lookup_value_regex = r"[0-9][0-9.]*"

    @extend_schema(request=None, responses={200: EndOfLifeSerializer})
    @action(detail=True, methods=["post"], url_path="end-of-life")
    def end_of_life(self, request, version=None):
        """Mark the release end of life: clients asking for it are sent to the vault."""
        release = services.release_mark_end_of_life(release=self.get_object(), by=request.user)
        return Response({"version": release.version, "status": release.status})

    @extend_schema(request=StepSerializer, responses={200: EventSerializer(many=True)})
    @action(detail=True, methods=["get", "post"], permission_classes=[SignedInWrites])
    def timeline(self, request, version=None):
        """GET: the lifecycle's steps, each with its date and who. POST (release
        engineering) `{"status": "beta"}` or `"candidate"`: the next plain step."""
        release = self.get_object()
        if request.method == "POST":
            step = StepSerializer(data=request.data)
            step.is_valid(raise_exception=True)
            with refusals():
                release = services.release_advance(
                    release=release, to=step.validated_data.get("status", ""), by=request.user,
                    note=step.validated_data.get("note", ""),
                )  # fmt: skip
        events = release.events.select_related("by", "candidate")
        return Response(EventSerializer(events, many=True).data)

    @extend_schema(request=StepSerializer, responses={200: ReleaseSerializer})
    @action(detail=True, methods=["post"], permission_classes=[SignedInWrites])
    def stage(self, request, version=None):
        """Stage a release that is go (release engineering): mirrors sync it, no public
        answer names it; it opens at `opens_at`, or when `share` percent of the mirrors
        hold it, or when opened."""
        step = StepSerializer(data=request.data)
        step.is_valid(raise_exception=True)
        with refusals():
            release = services.release_stage(
                release=self.get_object(), by=request.user,
                opens_at=step.validated_data.get("opens_at"),
                share=step.validated_data.get("share"),
            )  # fmt: skip
        return Response(ReleaseSerializer(release).data)

    @extend_schema(request=None, responses={200: ReleaseSerializer})
    @action(detail=True, methods=["post"], url_path="open", permission_classes=[SignedInWrites])
    def open_release(self, request, version=None):
        """Open a staged release to the public now (release engineering): every answer
        names it from the next snapshot on."""
        with refusals():
            release = services.release_open(
                release=self.get_object(), by=request.user, reason="opened by hand"
            )
        return Response(ReleaseSerializer(release).data)


class ArchitectureViewSet(StaffWriteViewSet):
    """Processor architectures; staff add, rename and delete them (one that still has ISO
    images cannot be deleted: a 409 says so)."""

    queryset = Architecture.objects.all()
    serializer_class = ArchitectureSerializer
    filterset_class = ArchitectureFilterSet
    lookup_field = "name"

    @staticmethod
    def delete_service(*, instance, by):
        try:
            services.catalogue_delete(instance=instance, by=by)
        except ProtectedError as exc:
            count = len(exc.protected_objects)
            raise Conflict(f"{instance} still has {count} ISO images: delete or move them "
                           "first.") from exc  # fmt: skip


class ReleaseArchitectureViewSet(StaffWriteViewSet):
    """Each release's architectures and their tier: primary ones hold the release's go,
    secondary ones (sparc, ppc64, arm...) do not and may live on another master
    (`master_url`). Staff add, change and remove them; filter with `?release=5.1`."""

    queryset = ReleaseArchitecture.objects.select_related("release", "architecture")
    serializer_class = ReleaseArchitectureSerializer
    filterset_class = ReleaseArchitectureFilterSet


class RepositoryViewSet(StaffWriteViewSet):
    """Yum repositories and where each lies in the tree (`path_template`); staff write."""

    queryset = Repository.objects.all()
    serializer_class = RepositorySerializer
    filterset_class = RepositoryFilterSet
    lookup_field = "name"


class RepositoryVersionViewSet(viewsets.ReadOnlyModelViewSet):
    """The repomd.xml versions the master published: the newest of each release, repository
    and architecture is the current one."""

    queryset = RepositoryVersion.objects.select_related("release", "repository", "architecture")
    serializer_class = RepositoryVersionSerializer
    filterset_class = RepositoryVersionFilterSet


class ImageViewSet(StaffWriteViewSet):
    queryset = Image.objects.select_related("release", "architecture")
    serializer_class = ImageSerializer
    filterset_class = ImageFilterSet
