"""msync in the API: the internal mirror an external mirror should sync from (the caller's
address through the trusted-proxy rule, or `ip=`/`country=`), and the sync tree as JSON."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.client_ip import client_address, trusted_proxies
from apps.core.geo import COUNTRIES

from ..selectors.msync import msync_answer
from ..selectors.tree import mirror_tree


class MsyncQuerySerializer(serializers.Serializer):
    ip = serializers.IPAddressField(
        required=False, help_text="Choose for this address instead of the caller's."
    )
    country = serializers.CharField(
        required=False, min_length=2, max_length=2,
        help_text="Choose for this country (ISO 3166 alpha-2); wins over the address.",
    )  # fmt: skip

    def validate_country(self, value: str) -> str:
        if value.upper() not in COUNTRIES:
            raise serializers.ValidationError(f"{value!r} is not a country code such as DE.")
        return value.upper()


class MsyncClientSerializer(serializers.Serializer):
    ip = serializers.CharField(allow_null=True)
    country = serializers.CharField(allow_null=True)
    continent = serializers.CharField(allow_null=True)


class MsyncMirrorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    tier = serializers.CharField(help_text="internal, or master when no internal one qualifies.")
    country = serializers.CharField()
    bucket = serializers.CharField(
        help_text="netblock, asn, country, nearby, continent, global or master."
    )
    distance_km = serializers.IntegerField(allow_null=True)
    rsync_url = serializers.CharField(allow_null=True)
    https_url = serializers.CharField(allow_null=True)
    http_url = serializers.CharField(allow_null=True)
    ipv4 = serializers.CharField(allow_null=True)
    ipv6 = serializers.CharField(allow_null=True)


class MsyncAnswerSerializer(serializers.Serializer):
    client = MsyncClientSerializer()
    mirror = MsyncMirrorSerializer(allow_null=True)
    bucket = serializers.CharField(allow_null=True)
    alternatives = MsyncMirrorSerializer(many=True)


class MsyncAPIView(APIView):
    """The close, healthy (approved, on, up, not in maintenance), current internal mirror an
    external mirror should sync from, tried in the mirrorlist's bucket order (netblock or
    ASN, country, nearby, continent, the rest of the world), the master last; with the
    bucket it came from and the next choices. `mirror` is null only when no internal mirror
    qualifies and no master is up."""

    @extend_schema(
        parameters=[MsyncQuerySerializer],
        responses={
            200: MsyncAnswerSerializer,
            400: OpenApiResponse(description="A bad `ip` or `country`: the reasons by field."),
        },
    )
    def get(self, request):
        query = MsyncQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        ip = query.validated_data.get("ip") or client_address(
            request.META.get("REMOTE_ADDR"),
            request.META.get("HTTP_X_FORWARDED_FOR"),
            trusted_proxies(tuple(settings.TRUSTED_PROXIES)),
        )
        answer = msync_answer(ip=ip or None, country=query.validated_data.get("country"))
        return Response(MsyncAnswerSerializer(answer).data)


def _node(node: dict) -> dict:
    return {
        "id": node["id"] if node["public"] else None,
        "name": node["name"],
        "tier": node["tier"],
        "country": node["country"],
        "availability": node["availability"],
        "content": node["content"],
        "lag_seconds": node["lag"],
        "newest_push": node["push"],
        "maintenance": node["maintenance"],
        "stale": node["stale"],
        "under_stale": node["under_stale"],
        "downstream": node["downstream"],
        "children": [_node(child) for child in node["children"]],
    }


class MirrorTreeAPIView(APIView):
    """The sync tree of /mirrors/tree/: each master with the mirrors under it (`children`,
    nested), each with availability, content, lag, how it followed the newest push, and
    `under_stale` (the nearest stale mirror above it, or null); `unrooted` are mirrors whose
    upstream is unknown."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        tree = mirror_tree()
        return Response(
            {
                "counts": tree["counts"],
                "newest_push": tree["push"],
                "roots": [_node(n) for n in tree["roots"]],
                "unrooted": [_node(n) for n in tree["unrooted"]],
            }
        )
