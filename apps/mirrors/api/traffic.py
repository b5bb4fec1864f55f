"""A mirror's people report its traffic: `POST /api/v1/mirrors/<id>/traffic/` with their API
token, counters or a period's totals (the shapes the servers push). Owner, co-owners and
staff only; the sponsor's page then shows it."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions
from rest_framework.exceptions import PermissionDenied
from rest_framework.views import APIView

from apps.core.traffic.api import (
    TrafficPushSerializer,
    TrafficRecordedSerializer,
    traffic_push_handle,
)

from ..services.traffic import mirror_traffic_counters_report, mirror_traffic_period_report
from .access import manages, mirrors_visible


class MirrorTrafficReportView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = TrafficPushSerializer

    @extend_schema(
        operation_id="mirrors_traffic_report",
        summary="Report a mirror's traffic: counters or a period's totals",
        description="For the mirror's owner, co-owners and staff, with an API token. "
        "Counters follow the servers' rules (64-bit wrap, reboot by uptime, gaps and "
        "impossible rates discarded: see `note`); a period overlapping one already counted "
        "is a 409. The mirror's sponsor's page shows the daily totals.",
        request=TrafficPushSerializer,
        responses={
            201: TrafficRecordedSerializer,
            409: OpenApiResponse(description="The period overlaps one already counted."),
        },
        tags=["mirrors"],
    )
    def post(self, request, pk: int):
        mirror = get_object_or_404(mirrors_visible(request.user), pk=pk)
        if not manages(request.user, mirror.pk):
            raise PermissionDenied("Only the mirror's people and the mirror admins report it.")
        serializer = TrafficPushSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return traffic_push_handle(
            serializer.validated_data,
            counters=lambda interface, reading: mirror_traffic_counters_report(
                mirror=mirror, interface=interface, reading=reading, by=request.user
            ),
            totals=lambda **period: mirror_traffic_period_report(
                mirror=mirror, by=request.user, **period
            ),
        )
