"""`GET /api/v1/delivery/listing/<mirror id>/`: "why is my mirror not listed?", for
tooling. The same answer as the mirror's page, read from the snapshot the lists are drawn
from: for each repository and ISO image, whether the mirror is in the answers now, and if
not, why. Visible to whoever may see the mirror's page (its people and staff for a
pending or private mirror)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.mirrors.selectors.moderation import mirror_visible_to

from ..render import iso_time
from ..views import current_snapshot

ROWS = inline_serializer(
    "ListingRow",
    many=True,
    fields={
        "key": serializers.CharField(),
        "kind": serializers.ChoiceField(choices=["repository", "image"]),
        "release": serializers.CharField(),
        "arch": serializers.CharField(),
        "name": serializers.CharField(),
        "listed": serializers.BooleanField(),
        "why": serializers.CharField(help_text="Why not listed, or how it is listed."),
    },
)
LISTING = inline_serializer(
    "MirrorListing",
    fields={
        "mirror": serializers.IntegerField(),
        "snapshot": serializers.IntegerField(help_text="The snapshot version answered from."),
        "built_at": serializers.DateTimeField(),
        "known": serializers.BooleanField(help_text="False until a snapshot holds the mirror."),
        "blocked": serializers.CharField(
            help_text="Why the mirror is in no answer at all, or empty."
        ),
        "sides": serializers.CharField(
            help_text="The address family whose clients it is not listed to (its side of a "
            "dual-stack host is down or behind), or empty."
        ),
        "rows": ROWS,
    },
)


class MirrorListingAPIView(APIView):
    """Whether a mirror is in the mirror lists now, per repository and ISO, and why not."""

    @extend_schema(responses={200: LISTING}, operation_id="delivery_listing_retrieve")
    def get(self, request, mirror_id: int):
        mirror = get_object_or_404(mirror_visible_to(request.user), pk=mirror_id)
        snapshot = current_snapshot()
        if snapshot is None:
            return Response(
                {"detail": "no mirror snapshot loaded yet"},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
                headers={"Retry-After": "5"},
            )
        listing = snapshot.listing_for(mirror.pk)
        body = {
            "mirror": mirror.pk,
            "snapshot": snapshot.version,
            "built_at": iso_time(snapshot.built_at),
            "known": listing is not None,
            "blocked": listing.blocked if listing else "",
            "sides": listing.sides if listing else "",
            "rows": [
                {"key": r.key, "kind": r.kind, "release": r.release, "arch": r.arch,
                 "name": r.name, "listed": r.listed, "why": r.why}
                for r in (listing.rows if listing else ())
            ],
        }  # fmt: skip
        return Response(body)
