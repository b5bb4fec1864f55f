"""/api/v1/master/: the master mirror(s) for anyone to read; staff make or change the master
(what MASTER_URL once set) through the service `manage.py setmaster` uses."""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from ..choices import MirrorTier
from ..models import Mirror, MirrorURL
from ..services.master_set import master_set
from .access import IsStaff


class MasterSerializer(serializers.ModelSerializer):
    urls = serializers.SerializerMethodField()

    class Meta:
        model = Mirror
        fields = ["id", "name", "country", "approval", "status", "urls"]

    def get_urls(self, mirror) -> list[str]:
        return [u.url for u in mirror.urls.all()]


class MasterInputSerializer(serializers.Serializer):
    urls = serializers.ListField(
        child=serializers.CharField(max_length=500, trim_whitespace=False), min_length=1,
        max_length=4, help_text="One URL per protocol; each replaces the master's URL of it.",
    )  # fmt: skip
    name = serializers.CharField(
        max_length=253, required=False,
        help_text="The master to change when there are several, or a new master's name.",
    )  # fmt: skip
    country = serializers.CharField(max_length=2, required=False,
                                    help_text="Where a new master stands (ISO code).")  # fmt: skip


class StaffWrites(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return IsStaff().has_permission(request, view)


def masters():
    return (
        Mirror.objects.filter(tier=MirrorTier.MASTER)
        .prefetch_related(Prefetch("urls", queryset=MirrorURL.objects.order_by("protocol")))
        .order_by("name")
    )


class MasterAPIView(APIView):
    """The masters at the top of the sync tree (GET); PUT makes the master, or changes the
    named (or only) one: each URL replaces its URL of the same protocol (staff only)."""

    permission_classes = [StaffWrites]

    @extend_schema(responses={200: MasterSerializer(many=True)})
    def get(self, request):
        return Response(MasterSerializer(masters(), many=True).data)

    @extend_schema(
        request=MasterInputSerializer,
        responses={
            200: MasterSerializer,
            201: MasterSerializer,
            400: OpenApiResponse(
                description="A bad URL, several masters and no name, a new "
                "master without a country: the reasons by field."
            ),  # fmt: skip
        },
    )
    def put(self, request):
        given = MasterInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        master, created = master_set(**given.validated_data, by=request.user)
        answer = MasterSerializer(masters().get(pk=master.pk)).data
        return Response(answer, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
