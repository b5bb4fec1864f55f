"""What the mirrors API takes in. Each write validates by the web forms' rules, through the
forms themselves (apps/mirrors/forms.py) or the function they share, so a bad value gets
the same message in a 400 as on the page; the declared fields describe the JSON for the
schema and the browsable API."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError as DjangoValidationError
from django_countries.serializer_fields import CountryField
from rest_framework import serializers
from rest_framework.settings import api_settings

from apps.releases.choices import RepositoryKind

from ..choices import Protocol
from ..forms import MaintenanceWindowForm, MirrorForm, mirror_url_clean
from ..models import Mirror, validate_netblock


def form_errors(form) -> dict[str, list[str]]:
    """The form's errors by field, the form-wide ones under DRF's non-field key."""
    return {
        (api_settings.NON_FIELD_ERRORS_KEY if name == "__all__" else name): list(messages)
        for name, messages in form.errors.items()
    }


def django_errors(exc: DjangoValidationError, field: str | None = None) -> dict:
    """A service's ValidationError as a 400's body."""
    if hasattr(exc, "error_dict"):
        return {
            (api_settings.NON_FIELD_ERRORS_KEY if k == "__all__" else k): v
            for k, v in exc.message_dict.items()
        }
    return {field or api_settings.NON_FIELD_ERRORS_KEY: exc.messages}


class FormInputSerializer(serializers.Serializer):
    """Validates with a Django form instead of its own fields: `validated_data["form"]`
    is the valid form."""

    def form_build(self, data: Mapping):  # pragma: no cover - each subclass says
        raise NotImplementedError

    def to_internal_value(self, data):
        if not isinstance(data, Mapping):
            raise serializers.ValidationError(
                {api_settings.NON_FIELD_ERRORS_KEY: ["Send a JSON object."]}
            )
        form = self.form_build(data)
        if not form.is_valid():
            raise serializers.ValidationError(form_errors(form))
        return {"form": form}


def _names(objects, attribute: str) -> list:
    return [getattr(o, attribute) for o in objects]


class MirrorInputSerializer(FormInputSerializer):
    """Register a mirror (POST) or change it (PATCH: the fields left out keep their values),
    with the registration form's fields and rules. Releases, architectures, repositories
    and the upstream are named (version, name); images are ids."""

    name = serializers.CharField(max_length=253)
    organisation = serializers.CharField(max_length=200, required=False, allow_blank=True)
    country = CountryField()
    contact_email = serializers.EmailField()
    bandwidth_mbps = serializers.IntegerField(min_value=1, max_value=1_000_000)
    transfer_quota_gb = serializers.IntegerField(
        min_value=1, max_value=100_000_000, required=False, allow_null=True,
        help_text="Monthly transfer quota in GB; null: none.",
    )  # fmt: skip
    url_http = serializers.CharField(required=False, allow_blank=True, max_length=500)
    url_https = serializers.CharField(required=False, allow_blank=True, max_length=500)
    url_ftp = serializers.CharField(required=False, allow_blank=True, max_length=500)
    url_rsync = serializers.CharField(required=False, allow_blank=True, max_length=500)
    ipv4 = serializers.BooleanField(required=False, default=True)
    ipv6 = serializers.BooleanField(required=False, default=False)
    releases = serializers.ListField(child=serializers.CharField(), required=False,
                                     help_text="Versions; none: all of them.")  # fmt: skip
    architectures = serializers.ListField(child=serializers.CharField(), required=False)
    repositories = serializers.ListField(child=serializers.CharField(), required=False)
    repository_kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=RepositoryKind.choices), required=False,
        help_text="The kinds of repository it carries; none: all of them.",
    )  # fmt: skip
    images = serializers.ListField(child=serializers.IntegerField(), required=False)
    upstream = serializers.CharField(
        required=False, allow_null=True, allow_blank=True,
        help_text="The internal mirror it syncs from, by name; none: the nearest.",
    )  # fmt: skip
    netblocks = serializers.ListField(child=serializers.CharField(), required=False)
    asn = serializers.IntegerField(required=False, allow_null=True)

    def form_build(self, data: Mapping) -> MirrorForm:
        mirror: Mirror | None = self.instance
        values = self._current(mirror) if mirror is not None else {"ipv4": True}
        for name, value in data.items():
            if name in self.fields:
                values[name] = value
        if isinstance(values.get("netblocks"), list | tuple):
            values["netblocks"] = "\n".join(str(v) for v in values["netblocks"])
        for name in ("releases", "architectures", "repositories", "repository_kinds", "images"):
            if values.get(name) is None:
                values[name] = []
        values = {k: ("" if v is None else v) for k, v in values.items()}
        return MirrorForm(data=values, instance=mirror, by_name=True)

    @staticmethod
    def _current(mirror: Mirror) -> dict:
        initial = MirrorForm.initial_for(mirror)
        return {
            **initial,
            "releases": _names(initial["releases"], "version"),
            "architectures": _names(initial["architectures"], "name"),
            "repositories": _names(initial["repositories"], "name"),
            "images": _names(initial["images"], "pk"),
            "upstream": mirror.upstream.name if mirror.upstream_id else "",
        }


class MirrorURLInputSerializer(serializers.Serializer):
    """A URL of a mirror, by the registration form's rules for a URL."""

    mirror = serializers.IntegerField()
    protocol = serializers.ChoiceField(choices=Protocol.choices)
    url = serializers.CharField(max_length=500)
    ipv4 = serializers.BooleanField(required=False, default=True)
    ipv6 = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs):
        """`context["mirror"]` is the mirror the URL is (or goes) on."""
        instance, mirror = self.instance, self.context["mirror"]
        protocol = attrs.get("protocol", getattr(instance, "protocol", None))
        url = attrs.get("url", getattr(instance, "url", None))
        try:
            attrs["url"] = mirror_url_clean(url or "", protocol, mirror=mirror)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"url": exc.messages}) from exc
        twins = mirror.urls.filter(url=attrs["url"])
        if instance is not None:
            twins = twins.exclude(pk=instance.pk)
        if twins.exists():
            raise serializers.ValidationError({"url": ["The mirror already has this URL."]})
        return attrs


class NetblockInputSerializer(serializers.Serializer):
    mirror = serializers.IntegerField()
    cidr = serializers.CharField(max_length=50, help_text="Such as 192.0.2.0/24.")

    def validate_cidr(self, value: str) -> str:
        try:
            validate_netblock(value.strip())
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
        return value.strip()


class MaintenanceWindowInputSerializer(FormInputSerializer):
    """A maintenance window, by the window form's rules (ISO 8601 date-times, UTC when no
    offset is given)."""

    mirror = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)

    def form_build(self, data: Mapping) -> MaintenanceWindowForm:
        return MaintenanceWindowForm(
            data={name: data.get(name) or "" for name in ("starts_at", "ends_at", "note")}
        )


class ReasonInputSerializer(serializers.Serializer):
    """Why a mirror is rejected or disabled: its people read it."""

    reason = serializers.CharField(max_length=2000)
