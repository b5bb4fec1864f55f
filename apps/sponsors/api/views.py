from rest_framework import viewsets

from ..filters import SponsorFilterSet
from ..models import Sponsor
from .serializers import SponsorSerializer


class SponsorViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Sponsor.objects.all()
    serializer_class = SponsorSerializer
    filterset_class = SponsorFilterSet
    lookup_field = "slug"
