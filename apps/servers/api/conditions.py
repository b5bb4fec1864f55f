"""The servers' condition in the API: the service checks and their states (public, like
/servers/status/), and the push endpoint where a server sends its readings (free disk per
mount, load) with its own push key."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from ..filters import ServiceFilterSet
from ..models import Server, ServerService
from ..selectors.conditions import service_list
from ..services.condition_readings import server_readings_record
from .push_auth import PushesForThisServer, ServerPushAuthentication


class PerfdataSerializer(serializers.Serializer):
    label = serializers.CharField()
    value = serializers.FloatField(allow_null=True, help_text="None for 'U' (undetermined).")
    uom = serializers.CharField(help_text="Unit: s, ms, %, B, KB, MB, c, or empty.")
    warn = serializers.CharField(help_text="The warning range, as the plugin gave it.")
    crit = serializers.CharField(help_text="The critical range, as the plugin gave it.")
    min = serializers.FloatField(allow_null=True)
    max = serializers.FloatField(allow_null=True)


class ServiceSerializer(serializers.ModelSerializer):
    """A service check and its state, as nagios' status view shows it."""

    server = serializers.CharField(source="server.hostname", read_only=True)
    perfdata = PerfdataSerializer(many=True, read_only=True)

    class Meta:
        model = ServerService
        fields = [
            "id", "server", "name", "plugin", "passive", "state", "state_type", "attempt",
            "max_attempts", "last_check", "next_check", "last_state_change",
            "last_hard_state_change", "output", "long_output", "perfdata",
        ]  # fmt: skip
        read_only_fields = fields


class ServiceViewSet(viewsets.ReadOnlyModelViewSet):
    """The service checks of the servers in service (filter by server, state, state type);
    `last_check` null means not checked yet (pending)."""

    serializer_class = ServiceSerializer
    filterset_class = ServiceFilterSet

    def get_queryset(self):
        return service_list()


class DiskReadingSerializer(serializers.Serializer):
    mount = serializers.CharField(max_length=200, help_text="The mount point, e.g. /var.")
    free_percent = serializers.FloatField(min_value=0, max_value=100)


class ReadingsSerializer(serializers.Serializer):
    disks = DiskReadingSerializer(
        many=True, required=False, max_length=64, help_text="Free space per mounted file system."
    )
    load = serializers.ListField(
        child=serializers.FloatField(min_value=0),
        min_length=3,
        max_length=3,
        required=False,
        help_text="The 1, 5 and 15 minute load averages.",
    )
    at = serializers.DateTimeField(
        required=False, help_text="When they were read (ISO 8601); default now."
    )

    def validate_disks(self, value):
        mounts = [d["mount"] for d in value]
        if len(set(mounts)) != len(mounts):
            raise serializers.ValidationError("Each mount once.")
        return value


class ReadingsAnswerSerializer(serializers.Serializer):
    services = ServiceSerializer(many=True, help_text="The Disk and Load services, updated.")


class ReadingsView(APIView):
    """A server pushes its readings with its own key (`Authorization: Token srv_…`): free
    disk per mount and load averages become results of its passive Disk and Load services,
    judged against the portal's thresholds, through the same soft/hard states as the active
    checks. Without a reading for SERVER_READINGS_STALE_MINUTES they turn stale."""

    authentication_classes = [ServerPushAuthentication]
    permission_classes = [PushesForThisServer]

    @extend_schema(
        operation_id="servers_readings_create",
        request=ReadingsSerializer,
        responses={
            200: ReadingsAnswerSerializer,
            400: OpenApiResponse(description="Bad readings: the reasons by field."),
        },
        tags=["servers"],
    )
    def post(self, request, hostname: str):
        server = get_object_or_404(Server.objects.in_service(), hostname=hostname)
        self.check_object_permissions(request, server)
        readings = ReadingsSerializer(data=request.data)
        readings.is_valid(raise_exception=True)
        data = readings.validated_data
        disks = {d["mount"]: d["free_percent"] for d in data.get("disks", [])}
        rows = server_readings_record(
            server=server, disks=disks, load=data.get("load"), at=data.get("at")
        )
        services = [row.service for row in rows]
        return Response(
            ReadingsAnswerSerializer({"services": services}).data, status=status.HTTP_200_OK
        )
