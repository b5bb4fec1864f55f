"""The shapes of a traffic push, shared by the servers' endpoint (a server's push key) and the
mirrors' (a mirror's people): counters or a period's totals in, what was counted out, and
the one handler that sends each kind to the owner's service."""

from __future__ import annotations

from collections.abc import Callable

from django.utils import timezone
from rest_framework import serializers, status
from rest_framework.response import Response

from apps.core.api import Conflict

from .counters import TICKS32, TICKS_PER_SECOND, Reading
from .services import Recorded, TrafficConflict

COUNTERS = ("in_octets", "out_octets")
TOTALS = ("start", "end", "bytes_out", "bytes_in")


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


def traffic_push_handle(
    data: dict,
    *,
    counters: Callable[[str, Reading], Recorded],
    totals: Callable[..., Recorded],
) -> Response:
    """Answer a valid TrafficPushSerializer's data: `counters(interface, reading)` or
    `totals(start=, end=, bytes_out=, bytes_in=)` records it; an overlap is a 409."""
    try:
        if data["kind"] == "counters":
            reading = Reading(
                at=data["at"],
                in_octets=data["in_octets"],
                out_octets=data["out_octets"],
                uptime_ticks=data["uptime_ticks"],
            )
            return recorded_answer("counters", counters(data["interface"], reading), end=reading.at)
        recorded = totals(**{name: data[name] for name in TOTALS})
    except TrafficConflict as exc:
        raise Conflict(str(exc)) from exc
    return recorded_answer("totals", recorded, end=data["end"])
