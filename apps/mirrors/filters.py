"""Filters shared by the mirror pages and the API."""

import django_filters

from .models import Mirror


class MirrorFilterSet(django_filters.FilterSet):
    release = django_filters.CharFilter(
        field_name="releases__version", distinct=True, label="Release"
    )
    architecture = django_filters.CharFilter(
        field_name="architectures__name", distinct=True, label="Architecture"
    )

    class Meta:
        model = Mirror
        fields = ["country", "continent", "tier", "status", "release", "architecture"]
