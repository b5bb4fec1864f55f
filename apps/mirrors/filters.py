"""Filters shared by the mirror pages and the API: choices, never free text, so a value
that matches nothing is an error the user sees instead of an empty list.

`MirrorFilterSet` is the status page's; the API's FilterSets extend it (mirrors) or share
its pieces (a mirror's URLs, states, checks...). Choices that come from the database are
callables, read only when a request uses the filter (and never by the schema generator).
"""

import django_filters
from django.db.models import Max
from django_countries import countries

from apps.core.filters import IntegerFilter, IsoDateTimeFilter
from apps.releases.filters import (
    ReleaseChoiceFilter,
    architecture_choices,
    repository_choices,
)

from .choices import (
    Approval,
    CheckError,
    CheckKind,
    ContentState,
    Continent,
    ImageState,
    MirrorStatus,
    MirrorTier,
    Protocol,
    SweepState,
)
from .models import (
    Check,
    MaintenanceWindow,
    Mirror,
    MirrorImageState,
    MirrorRepositoryState,
    MirrorURL,
    Netblock,
    Push,
    Sweep,
)


def sponsor_choices() -> list[tuple[str, str]]:
    # The sponsors app sits above this one: its model is reached through the relation.
    sponsors = Mirror._meta.get_field("sponsor").related_model.objects
    return list(sponsors.order_by("name").values_list("slug", "name"))


class ReleaseFilter(ReleaseChoiceFilter):
    """A release by version ("5.0") or by major ("5"), labelled for the status page."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", "Release")
        super().__init__(*args, **kwargs)


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
    release = ReleaseFilter(field_name="releases__version")
    architecture = django_filters.ChoiceFilter(
        label="Architecture", field_name="architectures__name", choices=architecture_choices
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
        for name, value in self.filters.items():
            if isinstance(value, django_filters.ChoiceFilter):
                value.extra["empty_label"] = "Default" if name == "sort" else "Any"


# The API's FilterSets. Every list takes the same names where they mean something:
# mirror, country, continent, tier, sponsor (of the mirror), status or state, release, arch,
# repository, protocol, updated_since (an ISO date-time) and ordering.


def _choice(field_name: str, choices, label: str | None = None) -> django_filters.ChoiceFilter:
    return django_filters.ChoiceFilter(field_name=field_name, choices=choices, label=label)


class MirrorScopeFilterSet(django_filters.FilterSet):
    """The filters of a record that belongs to a mirror: by the mirror and where it is."""

    mirror = IntegerFilter(field_name="mirror_id", label="Mirror id", min_value=1)
    country = _choice("mirror__country", countries, "Mirror's country")
    continent = _choice("mirror__continent", Continent.choices, "Mirror's continent")
    tier = _choice("mirror__tier", MirrorTier.choices, "Mirror's tier")
    sponsor = _choice("mirror__sponsor__slug", sponsor_choices, "Mirror's sponsor")


class MirrorAPIFilterSet(MirrorFilterSet):
    """The status page's filters, and the rest the API offers."""

    arch = _choice("architectures__name", architecture_choices, "Architecture")
    repository = _choice("repositories__name", repository_choices, "Repository")
    protocol = _choice("urls__protocol", Protocol.choices, "Has a URL of this protocol")
    sponsor = _choice("sponsor__slug", sponsor_choices, "Sponsor")
    approval = _choice("approval", Approval.choices, "Approval (a person's decision)")
    suspended = django_filters.BooleanFilter(
        field_name="suspended_at", lookup_expr="isnull", exclude=True,
        label="Suspended by the checks",
    )  # fmt: skip
    updated_since = IsoDateTimeFilter(
        field_name="modified", lookup_expr="gte", label="Changed at or after (ISO 8601)"
    )
    ordering = MirrorOrderingFilter(
        fields=(("name", "name"), ("country", "country"), ("status", "status"),
                ("lag", "lag"), ("last_checked_at", "checked"), ("modified", "modified"),
                ("bandwidth_mbps", "bandwidth")),
    )  # fmt: skip

    class Meta:
        model = Mirror
        fields = ["country", "continent", "tier", "status"]

    def filter_queryset(self, queryset):
        # A mirror with two URLs of a protocol, or two matching repositories, is one mirror.
        queryset = super().filter_queryset(queryset)
        joined = ("protocol", "repository", "arch", "architecture", "release")
        if any(self.form.cleaned_data.get(name) for name in joined):
            queryset = queryset.distinct()
        return queryset


del MirrorAPIFilterSet.base_filters["sort"]  # the API's is `ordering`, as on every list


class MirrorURLFilterSet(MirrorScopeFilterSet):
    protocol = _choice("protocol", Protocol.choices, "Protocol")
    status = _choice("mirror__status", MirrorStatus.choices, "Mirror's status")
    updated_since = IsoDateTimeFilter(
        field_name="mirror__modified", lookup_expr="gte", label="Mirror changed at or after"
    )
    ordering = django_filters.OrderingFilter(fields=("url", "protocol", "mirror"))

    class Meta:
        model = MirrorURL
        fields = ["mirror", "protocol", "ipv4", "ipv6"]


class RepositoryStateFilterSet(MirrorScopeFilterSet):
    release = ReleaseFilter(field_name="release__version")
    repository = _choice("repository__name", repository_choices, "Repository")
    arch = _choice("architecture__name", architecture_choices, "Architecture")
    state = _choice("state", ContentState.choices, "State")
    updated_since = IsoDateTimeFilter(
        field_name="checked_at", lookup_expr="gte", label="Checked at or after (ISO 8601)"
    )
    ordering = django_filters.OrderingFilter(
        fields=("mirror", "state", "lag_seconds", "checked_at")
    )

    class Meta:
        model = MirrorRepositoryState
        fields = ["mirror", "state"]


class ImageStateFilterSet(MirrorScopeFilterSet):
    release = ReleaseFilter(field_name="image__release__version")
    arch = _choice("image__architecture__name", architecture_choices, "Architecture")
    state = _choice("state", ImageState.choices, "State")
    updated_since = IsoDateTimeFilter(
        field_name="checked_at", lookup_expr="gte", label="Checked at or after (ISO 8601)"
    )
    ordering = django_filters.OrderingFilter(fields=("mirror", "state", "checked_at"))

    class Meta:
        model = MirrorImageState
        fields = ["mirror", "state"]


class CheckFilterSet(MirrorScopeFilterSet):
    kind = _choice("kind", CheckKind.choices, "Kind")
    error = _choice("error", CheckError.choices, "Error")
    ok = django_filters.BooleanFilter(label="Passed", method="filter_ok")
    since = IsoDateTimeFilter(
        field_name="checked_at", lookup_expr="gte", label="Checked at or after (ISO 8601)"
    )
    updated_since = IsoDateTimeFilter(
        field_name="checked_at", lookup_expr="gte", label="The same as since"
    )
    ordering = django_filters.OrderingFilter(fields=("checked_at", "latency_ms", "mirror"))

    class Meta:
        model = Check
        fields = ["mirror", "kind", "error", "sweep", "family"]

    def filter_ok(self, queryset, name, value):
        return queryset.filter(error="") if value else queryset.exclude(error="")


class SweepFilterSet(django_filters.FilterSet):
    state = _choice("state", SweepState.choices, "State")
    updated_since = IsoDateTimeFilter(
        field_name="started_at", lookup_expr="gte", label="Started at or after (ISO 8601)"
    )
    ordering = django_filters.OrderingFilter(fields=("started_at", "finished_at"))

    class Meta:
        model = Sweep
        fields = ["state", "trigger"]


class PushFilterSet(django_filters.FilterSet):
    updated_since = IsoDateTimeFilter(
        field_name="detected_at", lookup_expr="gte", label="Detected at or after (ISO 8601)"
    )
    ordering = django_filters.OrderingFilter(fields=("detected_at",))

    class Meta:
        model = Push
        fields = []


class MaintenanceWindowFilterSet(MirrorScopeFilterSet):
    updated_since = IsoDateTimeFilter(
        field_name="created", lookup_expr="gte", label="Added at or after (ISO 8601)"
    )
    ends_after = IsoDateTimeFilter(
        field_name="ends_at", lookup_expr="gt", label="Still open at (ISO 8601)"
    )
    ordering = django_filters.OrderingFilter(fields=("starts_at", "ends_at", "mirror"))

    class Meta:
        model = MaintenanceWindow
        fields = ["mirror"]


class NetblockFilterSet(MirrorScopeFilterSet):
    updated_since = IsoDateTimeFilter(
        field_name="mirror__modified", lookup_expr="gte", label="Mirror changed at or after"
    )
    ordering = django_filters.OrderingFilter(fields=("cidr", "mirror"))

    class Meta:
        model = Netblock
        fields = ["mirror"]
