"""The partners API: the directory (read by anyone) and applications (written with a
token, through the same service and checks as the web form)."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings

from apps.core.api import ScopedRateThrottle

from ..filters import PartnerFilterSet
from ..selectors import partner_directory
from ..services import PartnerDetails, partner_apply
from .serializers import (
    PartnerApplicationReceiptSerializer,
    PartnerApplicationSerializer,
    PartnerSerializer,
)


class PartnerViewSet(viewsets.ReadOnlyModelViewSet):
    """The approved partners in the directory (filter by kind, country served, language)."""

    serializer_class = PartnerSerializer
    filterset_class = PartnerFilterSet
    lookup_field = "slug"

    def get_queryset(self):
        return partner_directory().order_by("name")


class PartnerApplicationViewSet(mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Apply to the partner network as the token's owner (JSON, or multipart with a
    logo); staff review it on the site and the contact is e-mailed at every step."""

    serializer_class = PartnerApplicationSerializer
    permission_classes = [IsAuthenticated]
    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, ScopedRateThrottle]
    throttle_scope = "partner-application"

    @extend_schema(responses={201: PartnerApplicationReceiptSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        logo = data.pop("logo", None)
        partner = partner_apply(applicant=request.user, details=PartnerDetails(**data), logo=logo)
        return Response(
            {"slug": partner.slug, "status": partner.status}, status=status.HTTP_201_CREATED
        )
