from rest_framework import viewsets

from ..filters import MirrorFilterSet
from ..selectors import mirror_public_list
from .serializers import MirrorSerializer


class MirrorViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = mirror_public_list()
    serializer_class = MirrorSerializer
    filterset_class = MirrorFilterSet
