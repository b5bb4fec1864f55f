"""Traffic pushed by a server that nobody polls over SNMP: `POST /api/v1/servers/<hostname>/
traffic/` with that server's push key, either its interface counters (the same wrap and
reboot rules as the poller) or a total for a period. The shapes are shared with the
mirrors' traffic endpoint."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.views import APIView

from apps.core.traffic.api import (
    TrafficPushSerializer,
    TrafficRecordedSerializer,
    traffic_push_handle,
)

from ..choices import TrafficSource
from ..models import Server
from ..services.traffic import traffic_period_record, traffic_reading_record
from .push_auth import PushesForThisServer, ServerPushAuthentication


class ServerTrafficPushView(APIView):
    authentication_classes = [ServerPushAuthentication]
    permission_classes = [PushesForThisServer]
    serializer_class = TrafficPushSerializer

    @extend_schema(
        operation_id="servers_traffic_push",
        summary="Push a server's traffic: counters or a period's totals",
        description="With the server's own push key (`Authorization: Token srv_…`). "
        "Counters go through the poller's rules (64-bit wrap, reboot by uptime, gaps and "
        "impossible rates discarded, the answer's `note` says which); a period's totals are "
        "added to the daily totals unless they overlap a period already counted (409).",
        request=TrafficPushSerializer,
        responses={
            201: TrafficRecordedSerializer,
            409: OpenApiResponse(description="The period overlaps one already counted."),
        },
        examples=[
            OpenApiExample(
                "counters",
                {"in_octets": 8123456789, "out_octets": 912345678901, "uptime_seconds": 86400},
                request_only=True,
            ),
            OpenApiExample(
                "totals",
                {
                    "start": "2006-08-30T00:00:00Z",
                    "end": "2006-08-31T00:00:00Z",
                    "bytes_out": 2962857142857,
                    "bytes_in": 59257142857,
                },
                request_only=True,
            ),
        ],
        tags=["servers"],
    )
    def post(self, request, hostname: str):
        server = get_object_or_404(Server, hostname=hostname)
        self.check_object_permissions(request, server)
        serializer = TrafficPushSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return traffic_push_handle(
            serializer.validated_data,
            counters=lambda interface, reading: traffic_reading_record(
                server=server,
                interface=interface,
                at=reading.at,
                in_octets=reading.in_octets,
                out_octets=reading.out_octets,
                uptime_ticks=reading.uptime_ticks,
                source=TrafficSource.PUSH,
            ),
            totals=lambda **period: traffic_period_record(
                server=server, source=TrafficSource.PUSH, **period
            ),
        )
