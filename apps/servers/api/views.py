from rest_framework import permissions, viewsets

from ..filters import ServerFilterSet
from ..models import Server
from .serializers import ServerSerializer


class ServerViewSet(viewsets.ReadOnlyModelViewSet):
    """The server inventory is for the infrastructure team: staff only."""

    queryset = Server.objects.select_related("sponsor").prefetch_related("roles")
    serializer_class = ServerSerializer
    filterset_class = ServerFilterSet
    permission_classes = [permissions.IsAdminUser]
    lookup_field = "hostname"
    lookup_value_regex = r"[^/]+"
