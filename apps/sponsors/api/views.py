"""The sponsors API: the sponsors with what they give, as the list page shows them
(current ones unless ?active=false or all); staff create, edit and delete them."""

from django.db.models import ProtectedError
from rest_framework import parsers, viewsets

from apps.core.api import Conflict, StaffWritesOrReadOnly
from apps.core.services import instance_delete

from ..filters import SponsorAPIFilterSet
from ..selectors import sponsor_list
from .serializers import SponsorSerializer


class SponsorViewSet(viewsets.ModelViewSet):
    queryset = sponsor_list(active_only=False)
    serializer_class = SponsorSerializer
    filterset_class = SponsorAPIFilterSet
    permission_classes = [StaffWritesOrReadOnly]
    parser_classes = [parsers.JSONParser, parsers.MultiPartParser, parsers.FormParser]
    lookup_field = "slug"

    def filter_queryset(self, queryset):
        # The list's filters (current sponsors by default) are for lists: a former
        # sponsor's own URL still answers.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def perform_create(self, serializer):
        serializer.save(by=self.request.user)

    def perform_update(self, serializer):
        serializer.save(by=self.request.user)

    def perform_destroy(self, instance):
        try:
            instance_delete(instance=instance, by=self.request.user)
        except ProtectedError as error:
            raise Conflict(
                f"{instance} still gives {len(error.protected_objects)} server(s): "
                "give them to another sponsor first, or mark it inactive."
            ) from None
