from rest_framework import viewsets

from ..filters import ImageFilterSet, ReleaseFilterSet
from ..models import Architecture, Image, Release
from .serializers import ArchitectureSerializer, ImageSerializer, ReleaseSerializer


class ReleaseViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Release.objects.prefetch_related("architectures", "repositories")
    serializer_class = ReleaseSerializer
    filterset_class = ReleaseFilterSet
    lookup_field = "version"
    lookup_value_regex = r"[0-9][0-9.]*"


class ArchitectureViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Architecture.objects.all()
    serializer_class = ArchitectureSerializer
    lookup_field = "name"


class ImageViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Image.objects.select_related("release", "architecture")
    serializer_class = ImageSerializer
    filterset_class = ImageFilterSet
