"""/api/v1/mirrors/: the mirrors anyone may see (api/access.py), registered and edited by
their people with the registration form's rules, moderated by staff (api/moderation.py),
checked and imported by tooling (api/tooling.py)."""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ..filters import MirrorAPIFilterSet
from ..models import MirrorImageState, MirrorRepositoryState, MirrorURL, Netblock
from ..selectors.states import listing_states
from ..services.registration import mirror_owner_update, mirror_register, registration_notify
from .access import ManagesMirror, managed_ids, mirrors_visible
from .inputs import MirrorInputSerializer
from .moderation import MirrorModerationMixin
from .serializers import (
    ImageStateSerializer,
    MirrorSerializer,
    MirrorStatesSerializer,
    RepositoryStateSerializer,
)
from .tooling import MirrorToolingMixin


class ManagedContextMixin:
    """Tells the serializers which mirrors the caller manages (one query a request)."""

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if "managed_ids" not in context:
            context["managed_ids"] = managed_ids(self.request.user)
        return context


class MirrorViewSet(
    MirrorModerationMixin,
    MirrorToolingMixin,
    ManagedContextMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Mirrors: public ones for everyone, their own for their people, all for staff.

    POST registers a mirror (pending until staff approve it; its first check is queued);
    PATCH changes one of yours. A mirror you cannot see answers 404, one you see but do
    not manage 403.
    """

    serializer_class = MirrorSerializer
    filterset_class = MirrorAPIFilterSet
    permission_classes = [ManagesMirror]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return (
            mirrors_visible(self.request.user)
            .select_related("sponsor", "upstream")
            .prefetch_related(
                Prefetch("urls", queryset=MirrorURL.objects.order_by("protocol", "url")),
                "releases",
                "architectures",
                "repositories",
                Prefetch("netblocks", queryset=Netblock.objects.order_by("cidr")),
            )
            .order_by("country", "name")
        )

    def get_serializer(self, *args, **kwargs):
        """A page of mirrors gets their states in two queries, not two per mirror."""
        if args and kwargs.get("many"):
            kwargs.setdefault("context", self.get_serializer_context())
            kwargs["context"]["listing_states"] = listing_states(list(args[0]))
        return super().get_serializer(*args, **kwargs)

    def _answer(self, mirror, code: int) -> Response:
        mirror = self.get_queryset().get(pk=mirror.pk)
        return Response(self.get_serializer(mirror).data, status=code)

    @extend_schema(request=MirrorInputSerializer, responses={201: MirrorSerializer})
    def create(self, request, *args, **kwargs):
        """Register a mirror: it waits for staff's approval; its first check is queued; you and
        staff are told by e-mail, as after the web form."""
        form = self._form(request.data)
        mirror = mirror_register(owner=request.user, details=form.details())
        # the volunteer and staff hear of it as from the web form (after commit)
        registration_notify(mirror=mirror, site_url=request.build_absolute_uri("/"))
        return self._answer(mirror, status.HTTP_201_CREATED)

    @extend_schema(request=MirrorInputSerializer, responses={200: MirrorSerializer})
    def partial_update(self, request, *args, **kwargs):
        """Change what you say of your mirror; it is checked again at once."""
        mirror = self.get_object()
        form = self._form(request.data, instance=mirror)
        mirror_owner_update(mirror=mirror, details=form.details(), by=request.user)
        return self._answer(mirror, status.HTTP_200_OK)

    def _form(self, data, instance=None):
        serializer = MirrorInputSerializer(instance, data=data, partial=instance is not None)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data["form"]

    @extend_schema(responses=MirrorStatesSerializer)
    @action(detail=True, methods=["get"])
    def states(self, request, pk=None):
        """How current the mirror's copy of each repository is, and which images it has."""
        mirror = self.get_object()
        repositories = (
            MirrorRepositoryState.objects.filter(mirror=mirror)
            .select_related("release", "repository", "architecture")
            .order_by("release__version", "repository__name", "architecture__name")
        )
        images = (
            MirrorImageState.objects.filter(mirror=mirror)
            .select_related("image__release", "image__architecture")
            .order_by("image__name")
        )
        return Response(
            {
                "repositories": RepositoryStateSerializer(repositories, many=True).data,
                "images": ImageStateSerializer(images, many=True).data,
            }
        )
