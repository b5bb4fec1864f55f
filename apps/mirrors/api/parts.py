"""The parts of a mirror its people manage: URLs (public to read, like the mirror), and
netblocks and maintenance windows (its people and staff only). Each write goes through a
service and validates by the web forms' rules; the lists that clients get follow."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from apps.core.api import Conflict

from ..filters import MaintenanceWindowFilterSet, MirrorURLFilterSet, NetblockFilterSet
from ..forms import HTTP_URL_NEEDED
from ..models import MaintenanceWindow, MirrorURL, Netblock
from ..services.moderation import mirror_url_delete, mirror_url_save
from ..services.owners import (
    maintenance_window_add,
    maintenance_window_remove,
    netblock_add,
    netblock_remove,
)
from .access import ManagesMirror, manages, mirrors_managed, mirrors_visible
from .inputs import (
    MaintenanceWindowInputSerializer,
    MirrorURLInputSerializer,
    NetblockInputSerializer,
    django_errors,
)
from .serializers import (
    MaintenanceWindowSerializer,
    MirrorURLResourceSerializer,
    NetblockSerializer,
)

HTTP = ("http", "https")


def mirror_for_write(request):
    """The mirror a new part goes on (its id in the body's `mirror`): 400 when the caller
    cannot see it, 403 when they see it but do not manage it."""
    raw = request.data.get("mirror") if hasattr(request.data, "get") else None
    try:
        mirror = mirrors_visible(request.user).filter(pk=int(raw)).first()
    except (TypeError, ValueError):
        mirror = None
    if mirror is None:
        raise ValidationError({"mirror": ["No mirror you can see has this id."]})
    if not manages(request.user, mirror.pk):
        raise PermissionDenied(ManagesMirror.message)
    return mirror


def _validated(serializer_class, request, **kwargs):
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _saved(call):
    """Run a service; its ValidationError is a 400 naming the fields."""
    try:
        return call()
    except DjangoValidationError as exc:
        raise ValidationError(django_errors(exc)) from exc


class MirrorURLViewSet(viewsets.ModelViewSet):
    """The URLs of the mirrors you can see; add, change and remove your mirrors' URLs. A
    mirror keeps at least one http or https URL (409)."""

    serializer_class = MirrorURLResourceSerializer
    filterset_class = MirrorURLFilterSet
    permission_classes = [ManagesMirror]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        visible = mirrors_visible(self.request.user).values("pk")
        return MirrorURL.objects.filter(mirror_id__in=visible).order_by("mirror_id", "protocol")

    @extend_schema(request=MirrorURLInputSerializer, responses={201: MirrorURLResourceSerializer})
    def create(self, request, *args, **kwargs):
        mirror = mirror_for_write(request)
        data = _validated(MirrorURLInputSerializer, request, context={"mirror": mirror})
        data.pop("mirror")
        url = _saved(
            lambda: mirror_url_save(mirror_url=MirrorURL(mirror=mirror, **data), by=request.user)
        )
        return Response(self.get_serializer(url).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=MirrorURLInputSerializer, responses={200: MirrorURLResourceSerializer})
    def partial_update(self, request, *args, **kwargs):
        url = self.get_object()
        serializer = MirrorURLInputSerializer(
            url, data=request.data, partial=True, context={"mirror": url.mirror}
        )
        serializer.is_valid(raise_exception=True)
        data = {k: v for k, v in serializer.validated_data.items() if k != "mirror"}
        if data.get("protocol", url.protocol) not in HTTP:
            self._keeps_http(url)
        for name, value in data.items():
            setattr(url, name, value)
        _saved(lambda: mirror_url_save(mirror_url=url, by=request.user))
        return Response(self.get_serializer(url).data)

    def destroy(self, request, *args, **kwargs):
        url = self.get_object()
        self._keeps_http(url)
        mirror_url_delete(mirror_url=url, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @staticmethod
    def _keeps_http(url: MirrorURL) -> None:
        if url.protocol in HTTP and not url.mirror.urls.http().exclude(pk=url.pk).exists():
            raise Conflict(f"This is the mirror's last http or https URL. {HTTP_URL_NEEDED}")


class OwnedPartViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """A part only the mirror's people and staff see: anyone else finds nothing (404)."""

    permission_classes = [permissions.IsAuthenticated]
    model = None

    def get_queryset(self):
        managed = mirrors_managed(self.request.user).values("pk")
        return self.model.objects.filter(mirror_id__in=managed).order_by("mirror_id", "pk")


class NetblockViewSet(OwnedPartViewSet):
    """The networks your mirrors prefer to serve (the first bucket of the mirror lists)."""

    serializer_class = NetblockSerializer
    filterset_class = NetblockFilterSet
    model = Netblock

    @extend_schema(request=NetblockInputSerializer, responses={201: NetblockSerializer})
    def create(self, request, *args, **kwargs):
        mirror = mirror_for_write(request)
        data = _validated(NetblockInputSerializer, request)
        netblock = _saved(lambda: netblock_add(mirror=mirror, cidr=data["cidr"], by=request.user))
        return Response(self.get_serializer(netblock).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        netblock_remove(netblock=instance, by=self.request.user)


class MaintenanceWindowViewSet(OwnedPartViewSet):
    """Times your mirrors are out on purpose: out of the lists, not counted as failing."""

    serializer_class = MaintenanceWindowSerializer
    filterset_class = MaintenanceWindowFilterSet
    model = MaintenanceWindow

    @extend_schema(
        request=MaintenanceWindowInputSerializer, responses={201: MaintenanceWindowSerializer}
    )
    def create(self, request, *args, **kwargs):
        mirror = mirror_for_write(request)
        form = _validated(MaintenanceWindowInputSerializer, request)["form"]
        window = _saved(
            lambda: maintenance_window_add(mirror=mirror, by=request.user, **form.cleaned_data)
        )
        return Response(self.get_serializer(window).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        maintenance_window_remove(window=instance, by=self.request.user)
