"""Filters of the releases API: choices, never free text, so a value that matches nothing is
a 400 naming the valid ones. Choices that come from the database are callables, read only
when a request uses the filter (and never by the schema generator)."""

import django_filters

from apps.core.filters import IntegerFilter, IsoDateTimeFilter

from .choices import ArchitectureTier, ImageKind, ReleaseStatus
from .models import (
    Architecture,
    Image,
    Release,
    ReleaseArchitecture,
    Repository,
    RepositoryVersion,
)


def release_aliases(releases) -> dict[str, str]:
    """ "5" means the newest release of major 5 that mirrors carry (else the newest at all),
    as the mirrorlist understands release=5."""
    best: dict[str, tuple] = {}
    for release in releases:
        rank = (
            release.status != ReleaseStatus.END_OF_LIFE,
            release.status == ReleaseStatus.CURRENT,
            release.minor,
        )
        major = str(release.major)
        if major not in best or rank > best[major][0]:
            best[major] = (rank, release.version)
    return {major: version for major, (_rank, version) in best.items()}


def _releases() -> list[Release]:
    return list(Release.objects.only("version", "major", "minor", "status"))


def release_choices() -> list[tuple[str, str]]:
    releases = _releases()
    aliases = release_aliases(releases)
    return [
        *((major, f"{major} (now {version})") for major, version in aliases.items()),
        *((r.version, r.version) for r in releases),
    ]


def architecture_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in Architecture.objects.values_list("name", flat=True)]


def repository_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in Repository.objects.values_list("name", flat=True)]


class ReleaseChoiceFilter(django_filters.ChoiceFilter):
    """A release by version ("5.0") or by major ("5": see release_aliases)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", 'Release ("5.0"), or a major ("5": its newest release)')
        kwargs.setdefault("choices", release_choices)
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value and "." not in value:
            value = release_aliases(_releases()).get(value, value)
        return super().filter(qs, value)


def _choice(field_name: str, choices, label: str) -> django_filters.ChoiceFilter:
    return django_filters.ChoiceFilter(field_name=field_name, choices=choices, label=label)


def _since(field_name: str, label: str = "Changed at or after (ISO 8601)"):
    return IsoDateTimeFilter(field_name=field_name, lookup_expr="gte", label=label)


class ReleaseFilterSet(django_filters.FilterSet):
    status = _choice("status", ReleaseStatus.choices, "Status")
    major = IntegerFilter(field_name="major", label="Major line (5)")
    arch = _choice("architectures__name", architecture_choices, "Built for this architecture")
    repository = _choice("repositories__name", repository_choices, "Has this repository")
    updated_since = _since("modified")
    ordering = django_filters.OrderingFilter(
        fields=(("major", "major"), ("minor", "minor"), ("released_on", "released_on"),
                ("modified", "modified"), ("version", "version")),
    )  # fmt: skip

    class Meta:
        model = Release
        fields = ["status", "major"]

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if any(self.form.cleaned_data.get(name) for name in ("arch", "repository")):
            queryset = queryset.distinct()
        return queryset


class ArchitectureFilterSet(django_filters.FilterSet):
    release = ReleaseChoiceFilter(field_name="releases__version")
    ordering = django_filters.OrderingFilter(fields=("name",))

    class Meta:
        model = Architecture
        fields = []


class ReleaseArchitectureFilterSet(django_filters.FilterSet):
    release = ReleaseChoiceFilter(field_name="release__version")
    tier = django_filters.ChoiceFilter(choices=ArchitectureTier.choices)

    class Meta:
        model = ReleaseArchitecture
        fields = []


class RepositoryFilterSet(django_filters.FilterSet):
    release = ReleaseChoiceFilter(field_name="releases__version")
    ordering = django_filters.OrderingFilter(fields=("name",))

    class Meta:
        model = Repository
        fields = []


class RepositoryVersionFilterSet(django_filters.FilterSet):
    release = ReleaseChoiceFilter(field_name="release__version")
    repository = _choice("repository__name", repository_choices, "Repository")
    arch = _choice("architecture__name", architecture_choices, "Architecture")
    updated_since = _since("published_at", "Published at or after (ISO 8601)")
    ordering = django_filters.OrderingFilter(fields=("timestamp", "published_at"))

    class Meta:
        model = RepositoryVersion
        fields = []


class ImageFilterSet(django_filters.FilterSet):
    release = ReleaseChoiceFilter(field_name="release__version")
    arch = _choice("architecture__name", architecture_choices, "Architecture")
    architecture = _choice("architecture__name", architecture_choices, "The same as arch")
    kind = _choice("kind", ImageKind.choices, "Kind")
    updated_since = _since("modified")
    ordering = django_filters.OrderingFilter(fields=("name", "size", "published_at", "modified"))

    class Meta:
        model = Image
        fields = ["kind"]
