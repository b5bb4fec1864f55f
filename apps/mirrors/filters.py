"""Filters shared by the mirror pages and the API: choices, never free text, so a value
that matches nothing is an error the user sees instead of an empty list."""

import django_filters
from django.db.models import Max

from apps.releases.choices import ReleaseStatus
from apps.releases.models import Architecture, Release

from .models import Mirror


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


class MirrorOrderingFilter(django_filters.OrderingFilter):
    """Sorting by lag sorts by the worst lag of the mirror's repositories."""

    def filter(self, qs, value):
        if (
            value
            and any(v.lstrip("-") == "lag" for v in value)
            and "lag" not in qs.query.annotations
        ):
            qs = qs.annotate(lag=Max("repository_states__lag_seconds"))
        return super().filter(qs, value)


class MirrorFilterSet(django_filters.FilterSet):
    release = django_filters.ChoiceFilter(label="Release", method="filter_release")
    architecture = django_filters.ChoiceFilter(
        label="Architecture", field_name="architectures__name"
    )
    sort = MirrorOrderingFilter(
        label="Sort by",
        fields=(
            ("name", "name"),
            ("country", "country"),
            ("status", "status"),
            ("lag", "lag"),
            ("last_checked_at", "checked"),
        ),
        field_labels={"name": "Name", "country": "Country", "status": "Status",
                      "lag": "Lag", "last_checked_at": "Last check"},
    )  # fmt: skip

    class Meta:
        model = Mirror
        fields = ["country", "continent", "tier", "status", "release", "architecture"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Two small queries, once per request: the releases (and their major aliases) and
        # the architectures the user may choose among.
        releases = list(Release.objects.only("version", "major", "minor", "status"))
        self.aliases = release_aliases(releases)
        self.filters["release"].extra["choices"] = [
            *((major, f"{major} (now {version})") for major, version in self.aliases.items()),
            *((r.version, r.version) for r in releases),
        ]
        for name, value in self.filters.items():
            if isinstance(value, django_filters.ChoiceFilter):
                value.extra["empty_label"] = "Default" if name == "sort" else "Any"
        self.filters["architecture"].extra["choices"] = [
            (name, name) for name in Architecture.objects.values_list("name", flat=True)
        ]

    def filter_release(self, queryset, name, value: str):
        version = self.aliases.get(value, value)
        return queryset.filter(releases__version=version)
