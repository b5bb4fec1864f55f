"""What the mirrors API answers: mirrors (with the fields only their people and staff see),
their URLs, repository and image states, checks, sweeps, pushes, maintenance windows and
netblocks. The writes' input is in api/inputs.py."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django_countries.serializer_fields import CountryField
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..choices import AddressFamily, CheckError, Continent, Protocol
from ..models import (
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
from ..selectors.states import listing_states
from ..validators import mirror_url_validate

# Shown only to the mirror's people and to staff. In the schema they are optional (they
# are left out for everyone else), so they are declared as plain, not read-only, fields.
OWNER_FIELDS = ("private", "contact_email", "notify_events", "notify_addresses", "netblocks",
                "asn", "approval_reason", "notes")  # fmt: skip


class LinesField(serializers.ListField):
    """A text of one value per line, as a list."""

    def to_representation(self, value):
        return [line.strip() for line in (value or "").splitlines() if line.strip()]


class NetblocksField(serializers.ListField):
    def get_attribute(self, instance):
        return [netblock.cidr for netblock in instance.netblocks.all()]


class MirrorURLSerializer(serializers.ModelSerializer):
    class Meta:
        model = MirrorURL
        fields = ["protocol", "url", "ipv4", "ipv6"]

    def validate(self, attrs):
        """The model's one URL check (ModelSerializer does not call Model.clean)."""
        protocol = attrs.get("protocol", getattr(self.instance, "protocol", None))
        url = attrs.get("url", getattr(self.instance, "url", None))
        try:
            attrs["url"] = mirror_url_validate(url, protocol or None)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"url": exc.messages}) from exc
        return attrs


class MirrorSerializer(serializers.ModelSerializer):
    """A mirror as the status page shows it, and more for its people and staff."""

    country = CountryField()
    continent = serializers.ChoiceField(choices=Continent.choices, allow_blank=True, read_only=True)
    urls = MirrorURLSerializer(many=True, read_only=True)
    upstream = serializers.SlugRelatedField(
        read_only=True, slug_field="name", allow_null=True, help_text="The mirror it syncs from."
    )
    sponsor = serializers.SlugRelatedField(read_only=True, slug_field="slug", allow_null=True)
    releases = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="version", help_text="None: all of them."
    )
    architectures = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    repositories = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    protocols = serializers.SerializerMethodField()
    listing_state = serializers.SerializerMethodField(
        help_text="Where it stands, in the pages' words: code (listed, grace, pending, "
        "rejected, disabled, suspended, maintenance, down, unchecked, behind, missing), "
        "label and reason. `status` stays its reachability."
    )

    private = serializers.BooleanField(required=False)
    contact_email = serializers.EmailField(required=False)
    notify_events = serializers.ListField(child=serializers.CharField(), required=False)
    notify_addresses = LinesField(child=serializers.CharField(), required=False)
    netblocks = NetblocksField(child=serializers.CharField(), required=False)
    asn = serializers.IntegerField(required=False, allow_null=True)
    approval_reason = serializers.CharField(required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True)

    class Meta:
        model = Mirror
        fields = [
            "id", "name", "organisation", "sponsor", "country", "continent", "latitude",
            "longitude", "bandwidth_mbps", "tier", "upstream", "approval", "approval_at",
            "suspended_at", "status",
            "status_since", "last_checked_at", "modified", "urls", "protocols", "releases",
            "architectures", "repositories", "repository_kinds", "listing_state",
            *OWNER_FIELDS,
        ]  # fmt: skip
        read_only_fields = [f for f in fields if f not in OWNER_FIELDS]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_protocols(self, mirror: Mirror) -> list[str]:
        return sorted({url.protocol for url in mirror.urls.all()})

    @extend_schema_field(serializers.DictField(child=serializers.CharField()))
    def get_listing_state(self, mirror: Mirror) -> dict:
        states = self.context.get("listing_states") or listing_states([mirror])
        return states[mirror.pk].as_json()

    def to_representation(self, mirror: Mirror) -> dict:
        data = super().to_representation(mirror)
        managed = self.context.get("managed_ids", set())
        if managed is not None and mirror.pk not in managed:
            for name in OWNER_FIELDS:
                data.pop(name, None)
        return data


class MirrorURLResourceSerializer(serializers.ModelSerializer):
    """A mirror URL on its own (/mirror-urls/): the nested one with its id and mirror."""

    class Meta:
        model = MirrorURL
        fields = ["id", "mirror", "protocol", "url", "ipv4", "ipv6"]
        read_only_fields = fields


class RepositoryStateSerializer(serializers.ModelSerializer):
    release = serializers.SlugRelatedField(read_only=True, slug_field="version")
    repository = serializers.SlugRelatedField(read_only=True, slug_field="name")
    architecture = serializers.SlugRelatedField(read_only=True, slug_field="name")

    class Meta:
        model = MirrorRepositoryState
        fields = ["id", "mirror", "release", "repository", "architecture", "state",
                  "timestamp", "lag_seconds", "checked_at"]  # fmt: skip
        read_only_fields = fields


class ImageStateSerializer(serializers.ModelSerializer):
    image = serializers.SlugRelatedField(read_only=True, slug_field="name")
    release = serializers.CharField(source="image.release.version", read_only=True)
    architecture = serializers.CharField(source="image.architecture.name", read_only=True)

    class Meta:
        model = MirrorImageState
        fields = ["id", "mirror", "image", "release", "architecture", "state", "checked_at"]
        read_only_fields = fields


class MirrorStatesSerializer(serializers.Serializer):
    """GET /mirrors/<id>/states/: both kinds of state of one mirror."""

    repositories = RepositoryStateSerializer(many=True)
    images = ImageStateSerializer(many=True)


class CheckSerializer(serializers.ModelSerializer):
    # Read-only model fields lose allow_blank: the schema would not admit "" (a pass).
    error = serializers.ChoiceField(
        choices=CheckError.choices, allow_blank=True, read_only=True,
        help_text="What went wrong; empty when the check passed.",
    )  # fmt: skip
    protocol = serializers.ChoiceField(
        choices=Protocol.choices, read_only=True, help_text="The scheme of the URL asked."
    )
    family = serializers.ChoiceField(
        choices=AddressFamily.choices, allow_blank=True, read_only=True,
        help_text="The address family asked (a dual-stack host is checked over each); empty "
        "when the name did not resolve.",
    )  # fmt: skip

    class Meta:
        model = Check
        fields = ["id", "mirror", "sweep", "url", "protocol", "family", "kind", "checked_at",
                  "http_status", "latency_ms", "bytes", "error", "detail"]  # fmt: skip
        read_only_fields = fields


class SweepSerializer(serializers.ModelSerializer):
    class Meta:
        model = Sweep
        fields = ["id", "state", "trigger", "started_at", "finished_at", "chunks_total",
                  "chunks_done", "mirrors_total", "mirrors_checked", "mirrors_failed",
                  "mirrors_up", "mirrors_down", "checks_count", "master_ok",
                  "master_timestamp"]  # fmt: skip
        read_only_fields = fields


class PushSerializer(serializers.ModelSerializer):
    """A push of the master and how far it has spread: `arrived` of `mirrors_expected`
    mirrors were seen holding it, the first and the last after these many seconds."""

    arrived = serializers.IntegerField(read_only=True)
    first_arrival_seconds = serializers.IntegerField(read_only=True, allow_null=True)
    last_arrival_seconds = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Push
        fields = ["id", "detected_at", "master_timestamp", "repositories", "mirrors_expected",
                  "arrived", "first_arrival_seconds", "last_arrival_seconds"]  # fmt: skip
        read_only_fields = fields


class MaintenanceWindowSerializer(serializers.ModelSerializer):
    class Meta:
        model = MaintenanceWindow
        fields = ["id", "mirror", "starts_at", "ends_at", "note", "created"]
        read_only_fields = fields


class NetblockSerializer(serializers.ModelSerializer):
    class Meta:
        model = Netblock
        fields = ["id", "mirror", "cidr"]
        read_only_fields = fields


class CheckQueuedSerializer(serializers.Serializer):
    """202 of POST /mirrors/<id>/check/."""

    mirror = serializers.IntegerField()
    queued = serializers.ChoiceField(choices=["content check", "first check"])
    detail = serializers.CharField()


class ImportedSerializer(serializers.Serializer):
    """201 of POST /mirrors/import/."""

    mirrors_created = serializers.IntegerField()
    mirrors_updated = serializers.IntegerField()
    urls_created = serializers.IntegerField()
    countries = serializers.IntegerField()
    count = serializers.IntegerField(help_text="Mirrors created or updated.")
    skipped = serializers.ListField(
        child=serializers.CharField(),
        help_text="Hosts left out, each with its line: listed without an HTTP or HTTPS URL.",
    )
