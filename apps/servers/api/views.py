"""The servers API: the donated servers as the public /servers/ page shows them (staff also
see the retired ones and the private fields, and edit them), and the roles."""

from django.db.models import Count, Prefetch, Q
from rest_framework import viewsets

from apps.core.api import StaffWritesOrReadOnly, is_staff

from .. import services
from ..choices import ServerStatus
from ..filters import ServerAPIFilterSet
from ..models import Role, Server
from ..selectors import server_list
from .serializers import RoleSerializer, ServerSerializer, ServerStaffSerializer

READS = ("list", "retrieve", None)  # None: the schema's view of the list


class ServerViewSet(viewsets.ModelViewSet):
    serializer_class = ServerSerializer
    filterset_class = ServerAPIFilterSet
    permission_classes = [StaffWritesOrReadOnly]
    lookup_field = "hostname"
    lookup_value_regex = r"[^/]+"

    def get_queryset(self):
        if is_staff(self.request):
            user_model = Server._meta.get_field("admins").related_model
            admins = user_model.objects.only("id", "username")
            return server_list(retired=True).prefetch_related(Prefetch("admins", admins))
        return server_list()

    def get_serializer_class(self):
        # The schema documents reads in the public shape (staff's adds fields) and writes
        # in staff's.
        if is_staff(self.request) or self.action not in READS:
            return ServerStaffSerializer
        return ServerSerializer

    def perform_create(self, serializer):
        serializer.save(by=self.request.user)

    def perform_update(self, serializer):
        serializer.save(by=self.request.user)

    def perform_destroy(self, instance):
        services.server_delete(server=instance, by=self.request.user)


class RoleViewSet(viewsets.ReadOnlyModelViewSet):
    """The jobs servers do, with how many servers in service do each."""

    queryset = Role.objects.annotate(
        server_count=Count("servers", filter=~Q(servers__status=ServerStatus.RETIRED))
    ).order_by("name")
    serializer_class = RoleSerializer
    lookup_field = "name"
    filterset_fields = ["name"]
