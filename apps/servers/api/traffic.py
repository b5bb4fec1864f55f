"""Traffic pushed by a server that nobody polls over SNMP: `POST /api/v1/servers/<hostname>/
traffic/` with that server's push key, either its interface counters (the same wrap and
reboot rules as the poller) or a total for a period. The shapes are shared with the
mirrors' traffic endpoint."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api import Conflict

from ..choices import TrafficSource
from ..counters import TICKS32, TICKS_PER_SECOND
from ..models import Server
from ..services.traffic import TrafficConflict, traffic_period_record, traffic_reading_record
from .push_auth import PushesForThisServer, ServerPushAuthentication

COUNTERS = ("in_octets", "out_octets")
TOTALS = ("start", "end", "bytes_out", "bytes_in")


class TrafficTotalsSerializer(serializers.Serializer):
    """Bytes over a period: `start`, `end` (ISO 8601 with a zone), `bytes_out`, `bytes_in`."""

    start = serializers.DateTimeField(help_text="Start of the period (inclusive).")
    end = serializers.DateTimeField(help_text="End of the period (exclusive).")
    bytes_out = serializers.IntegerField(min_value=0, max_value=2**63 - 1)
    bytes_in = serializers.IntegerField(min_value=0, max_value=2**63 - 1)

    def validate(self, data):
        if data["end"] <= data["start"]:
            raise serializers.ValidationError({"end": "The end is not after the start."})
        return data


class TrafficPushSerializer(serializers.Serializer):
    """Either counters (`in_octets`, `out_octets`, optionally `uptime_seconds`, `at` and
    `interface`) or a period's totals (`start`, `end`, `bytes_out`, `bytes_in`)."""

    interface = serializers.CharField(max_length=64, required=False, default="push")
    at = serializers.DateTimeField(required=False, help_text="When read; default: now.")
    in_octets = serializers.IntegerField(min_value=0, max_value=2**64 - 1, required=False)
    out_octets = serializers.IntegerField(min_value=0, max_value=2**64 - 1, required=False)
    uptime_seconds = serializers.FloatField(
        min_value=0, required=False, help_text="Seconds since boot: tells a reboot from a wrap."
    )
    start = serializers.DateTimeField(required=False)
    end = serializers.DateTimeField(required=False)
    bytes_out = serializers.IntegerField(min_value=0, max_value=2**63 - 1, required=False)
    bytes_in = serializers.IntegerField(min_value=0, max_value=2**63 - 1, required=False)

    def validate(self, data):
        has_counters = any(name in data for name in COUNTERS)
        has_totals = any(name in data for name in TOTALS)
        if has_counters == has_totals:
            raise serializers.ValidationError(
                "Send either counters (in_octets, out_octets) or a period's totals "
                "(start, end, bytes_out, bytes_in), not both and not neither."
            )
        needed = COUNTERS if has_counters else TOTALS
        missing = {name: "This field is required." for name in needed if name not in data}
        if missing:
            raise serializers.ValidationError(missing)
        if has_totals and data["end"] <= data["start"]:
            raise serializers.ValidationError({"end": "The end is not after the start."})
        data["kind"] = "counters" if has_counters else "totals"
        if has_counters:  # as the services take them: a time, and sysUpTime's ticks
            data.setdefault("at", None)
            data["at"] = data["at"] or timezone.now()
            uptime = data.get("uptime_seconds")
            data["uptime_ticks"] = (
                None if uptime is None else int(uptime * TICKS_PER_SECOND) % TICKS32
            )
        return data


class TrafficRecordedSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["counters", "totals"])
    counted = serializers.BooleanField(help_text="Whether bytes were added to the totals.")
    start = serializers.DateTimeField(allow_null=True)
    end = serializers.DateTimeField()
    bytes_out = serializers.IntegerField()
    bytes_in = serializers.IntegerField()
    note = serializers.CharField(help_text="A wrap, a reboot, the first reading, or why not.")


def recorded_answer(kind: str, recorded, *, end) -> Response:
    delta = recorded.delta
    counted = bool(delta and delta.counted)
    body = {
        "kind": kind,
        "counted": counted,
        "start": delta.start if delta else None,
        "end": delta.end if delta else end,
        "bytes_out": delta.bytes_out if counted else 0,
        "bytes_in": delta.bytes_in if counted else 0,
        "note": recorded.note,
    }
    return Response(TrafficRecordedSerializer(body).data, status=status.HTTP_201_CREATED)


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
        data = serializer.validated_data
        try:
            if data["kind"] == "counters":
                at = data["at"]
                recorded = traffic_reading_record(
                    server=server,
                    interface=data["interface"],
                    at=at,
                    in_octets=data["in_octets"],
                    out_octets=data["out_octets"],
                    uptime_ticks=data["uptime_ticks"],
                    source=TrafficSource.PUSH,
                )
                return recorded_answer("counters", recorded, end=at)
            recorded = traffic_period_record(
                server=server,
                start=data["start"],
                end=data["end"],
                bytes_out=data["bytes_out"],
                bytes_in=data["bytes_in"],
                source=TrafficSource.PUSH,
            )
        except TrafficConflict as exc:
            raise Conflict(str(exc)) from exc
        return recorded_answer("totals", recorded, end=data["end"])
