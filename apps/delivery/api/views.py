"""The delivery API: the mirror lists with the bucket each mirror came from and the mirror
status JSON (answered from the in-memory snapshot, no database query), where the portal
thinks the client is, the snapshot's state, publishing one, and usage statistics."""

import time

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from apps.core.api import ScopedRateThrottle
from apps.core.geo import COUNTRIES

from .. import runtime
from ..render import iso_time
from ..selectors import usage_totals
from ..status_json import status_bytes
from ..tasks import snapshot_publish_now
from ..views import current_snapshot, request_client
from . import serializers as s


def _snapshot_info(snapshot) -> dict:
    return {
        "version": snapshot.version,
        "built_at": iso_time(snapshot.built_at),
        "age_seconds": round(time.time() - snapshot.built_at, 1),
        "mirrors": len(snapshot.mirrors),
    }


def _no_snapshot() -> Response:
    return Response(
        {"detail": "no mirror snapshot loaded yet"}, status=status.HTTP_503_SERVICE_UNAVAILABLE
    )


def _answer(request, snapshot, target, count: int, protocol: str | None) -> Response:
    client = request_client(request)
    choices = snapshot.draw(target, client, count=count, protocol=protocol or None)
    data = {
        "target": target.key,
        "path": target.path,
        "client": {
            "ip": client.ip,
            "country": client.country,
            "continent": client.continent,
            "ipv6": client.ipv6,
            "asn": client.asn,
        },
        "snapshot": _snapshot_info(snapshot),
        "mirrors": s.ChoiceSerializer(
            choices, many=True, context={"staff": request.user.is_staff}
        ).data,
    }
    return Response(data)


def _chosen_mirrors(request, query_serializer, find_target, count: int) -> Response:
    """Validate the query, find what was asked in the snapshot, answer the chosen mirrors."""
    query = query_serializer(data=request.query_params)
    query.is_valid(raise_exception=True)
    snapshot = current_snapshot()
    if snapshot is None:
        return _no_snapshot()
    target, reason = find_target(snapshot, query.validated_data)
    if target is None:
        return Response({"detail": reason}, status=status.HTTP_404_NOT_FOUND)
    return _answer(request, snapshot, target, count, query.validated_data.get("protocol"))


class MirrorlistAPIView(APIView):
    """The mirrorlist of a repository as JSON, with the bucket each mirror came from."""

    @extend_schema(
        parameters=[s.MirrorlistQuerySerializer], responses={200: s.ChosenMirrorsSerializer}
    )
    def get(self, request):
        return _chosen_mirrors(
            request,
            s.MirrorlistQuerySerializer,
            lambda snapshot, q: snapshot.repo_target(q["release"], q["repo"], q["arch"]),
            settings.DELIVERY_MIRRORLIST_COUNT,
        )


class IsoMirrorsAPIView(APIView):
    """The mirrors that have one ISO image, closest first, with their buckets."""

    @extend_schema(parameters=[s.IsoQuerySerializer], responses={200: s.ChosenMirrorsSerializer})
    def get(self, request):
        return _chosen_mirrors(
            request,
            s.IsoQuerySerializer,
            lambda snapshot, q: snapshot.file_target(q["release"], q["arch"], q["file"]),
            settings.DELIVERY_METALINK_COUNT,
        )


def _whereami(client, databases) -> dict:
    """The locator's country and continent (what the mirror lists use), and geoip2's ASN and
    City models when those databases are configured."""
    known = COUNTRIES.get(client.country or "")
    asn = databases.asn(client.ip) if client.ip else None
    city = databases.city(client.ip) if client.ip else None
    return {
        "ip": client.ip,
        "ipv6": client.ipv6,
        "country": client.country,
        "country_name": known.name if known else None,
        "continent": client.continent,
        "asn": None
        if asn is None
        else {
            "number": asn.autonomous_system_number,
            "organization": asn.autonomous_system_organization,
            "network": str(asn.network) if asn.network else None,
        },
        "city": None
        if city is None
        else {
            "name": city.city.name,
            "subdivision": city.subdivisions.most_specific.name,
            "country": city.country.iso_code,
            "latitude": city.location.latitude,
            "longitude": city.location.longitude,
            "accuracy_radius_km": city.location.accuracy_radius,
        },
    }


class WhereAmIAPIView(APIView):
    """Where the portal thinks the client is: the address it sees (X-Forwarded-For only from
    a trusted proxy), the country and continent the mirror lists choose by, and the ASN and
    city when GEOIP_ASN_PATH and GEOIP_CITY_PATH are configured."""

    @extend_schema(parameters=[s.WhereAmIQuerySerializer], responses={200: s.WhereAmISerializer})
    def get(self, request):
        query = s.WhereAmIQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        locator = runtime.locator()
        ip = query.validated_data.get("ip") or locator.address(request.META)
        return Response(_whereami(locator.client(ip), locator.databases))


class SnapshotAPIView(APIView):
    """The snapshot this worker serves from: version, build time, age."""

    @extend_schema(responses={200: s.SnapshotInfoSerializer})
    def get(self, request):
        snapshot = current_snapshot()
        if snapshot is None:
            return _no_snapshot()
        return Response(_snapshot_info(snapshot))


class UsageAPIView(APIView):
    """Answers per day and the top countries, releases, repositories and files (staff)."""

    permission_classes = [IsAdminUser]

    @extend_schema(responses={200: s.UsageSerializer})
    def get(self, request):
        try:
            days = min(366, max(1, int(request.query_params.get("days", 30))))
        except ValueError:
            return Response({"detail": "days must be a number"}, status=400)
        return Response(s.UsageSerializer(usage_totals(days=days)).data)


class SnapshotPublishAPIView(APIView):
    """Build and publish a snapshot now (staff): the workers serve it from their next poll.
    Rate-limited (scope "publish"): a build reads the whole mirror table."""

    permission_classes = [IsAdminUser]
    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, ScopedRateThrottle]
    throttle_scope = "publish"

    @extend_schema(request=None, responses={201: s.PublishedSerializer})
    def post(self, request):
        row = snapshot_publish_now(reason=f"published through the API by {request.user}")
        data = {
            "version": row.version,
            "built_at": row.built_at,
            "mirrors": row.mirror_count,
            "size": row.size,
            "build_ms": row.build_ms,
        }
        return Response(s.PublishedSerializer(data).data, status=status.HTTP_201_CREATED)


class MirrorStatusAPIView(APIView):
    """Every URL of the public mirrors with its last check, lag, completion share, score and
    why its mirror is not in the answers, in the shape of archweb's mirror status JSON.
    Rendered once per snapshot version (X-Snapshot-Version) and answered as ready bytes: a
    request asks the database nothing."""

    permission_classes = []

    @extend_schema(
        responses={
            200: s.StatusSerializer,
            503: OpenApiResponse(description="No snapshot loaded yet; try after Retry-After."),
        }
    )
    def get(self, request):
        snapshot = current_snapshot()
        if snapshot is None:
            response = _no_snapshot()
            response["Retry-After"] = "10"
            return response
        body = status_bytes(snapshot, details=_mirror_page())
        response = HttpResponse(body, content_type="application/json")
        for name, value in snapshot.headers:
            response[name] = value
        return response


_MIRROR_PAGE: list[str] = []


def _mirror_page() -> str:
    """The mirror page's path with an {id} placeholder, reversed once."""
    if not _MIRROR_PAGE:
        _MIRROR_PAGE.append(reverse("mirrors:detail", args=[0]).replace("/0/", "/{id}/"))
    return _MIRROR_PAGE[0]
