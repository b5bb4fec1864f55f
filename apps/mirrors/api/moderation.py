"""Staff's decisions through the API, each through the moderation service the queue page
uses (which emails the mirror's people and makes the lists follow): approve, reject,
disable and enable. A decision the mirror's state does not allow is a 409 with the reason."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.core.api import Conflict

from ..choices import MirrorTier
from ..services.moderation import mirror_approve, mirror_disable, mirror_enable, mirror_reject
from .access import IsStaff
from .inputs import ReasonInputSerializer
from .serializers import MirrorSerializer

CONFLICT = OpenApiResponse(description="The mirror's state does not allow it; `detail` says why.")


def _decide(view, service, **kwargs) -> Response:
    mirror = view.get_object()
    if mirror.tier == MirrorTier.MASTER:
        raise Conflict("The master is not moderated.")
    try:
        service(mirror=mirror, by=view.request.user, **kwargs)
    except ValidationError as exc:
        raise Conflict(" ".join(exc.messages)) from exc
    return view._answer(mirror, 200)


def _reason(request) -> str:
    serializer = ReasonInputSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data["reason"]


class MirrorModerationMixin:
    """The moderation actions of MirrorViewSet (staff only)."""

    @extend_schema(request=None, responses={200: MirrorSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"], permission_classes=[IsStaff])
    def approve(self, request, pk=None):
        """Approve the mirror; one without an http or https URL cannot be (409)."""
        return _decide(self, mirror_approve)

    @extend_schema(request=ReasonInputSerializer, responses={200: MirrorSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"], permission_classes=[IsStaff])
    def reject(self, request, pk=None):
        """Reject the mirror, saying why (its people read it)."""
        return _decide(self, mirror_reject, reason=_reason(request))

    @extend_schema(request=ReasonInputSerializer, responses={200: MirrorSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"], permission_classes=[IsStaff])
    def disable(self, request, pk=None):
        """Take the mirror out of every list until staff enable it, saying why."""
        return _decide(self, mirror_disable, reason=_reason(request))

    @extend_schema(request=None, responses={200: MirrorSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"], permission_classes=[IsStaff])
    def enable(self, request, pk=None):
        """Put a disabled or suspended mirror back; the checks decide when it is listed."""
        return _decide(self, mirror_enable)
