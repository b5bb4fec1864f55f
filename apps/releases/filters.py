"""Filters shared by the release pages and the API."""

import django_filters

from .models import Image, Release


class ReleaseFilterSet(django_filters.FilterSet):
    class Meta:
        model = Release
        fields = ["status", "major"]


class ImageFilterSet(django_filters.FilterSet):
    release = django_filters.CharFilter(field_name="release__version")
    architecture = django_filters.CharFilter(field_name="architecture__name")

    class Meta:
        model = Image
        fields = ["release", "architecture", "kind"]
