"""Shapes of the sponsors API: a sponsor and what it gives (servers in service, active
mirrors). Staff write through apps/sponsors/services.py; a logo upload goes through
sponsor_logo_set, checked and re-encoded as on the web form."""

from django.db import transaction
from django_countries.serializer_fields import CountryField
from rest_framework import serializers

from .. import services
from ..models import Sponsor


class SponsorSerializer(serializers.ModelSerializer):
    country = CountryField(allow_blank=True, required=False)
    description_html = serializers.CharField(read_only=True)
    logo_url = serializers.FileField(source="logo", read_only=True, use_url=True, allow_null=True)
    logo = serializers.FileField(
        write_only=True,
        required=False,
        allow_null=True,
        help_text="PNG, JPEG or SVG, at most 1 MiB (multipart). It is re-encoded or cleaned "
        "before it is stored; null removes the logo.",
    )
    servers = serializers.IntegerField(
        source="server_count", read_only=True, help_text="Its servers in service."
    )
    mirrors = serializers.IntegerField(
        source="mirror_count", read_only=True, help_text="Its approved, active mirrors."
    )

    class Meta:
        model = Sponsor
        fields = [
            "name", "slug", "kind", "website", "email", "logo_url", "logo", "country",
            "sponsor_since", "active", "description", "description_html", "servers", "mirrors",
            "modified",
        ]  # fmt: skip
        read_only_fields = ["modified"]

    def create(self, validated_data):
        return self._save(Sponsor(), validated_data)

    def update(self, instance, validated_data):
        return self._save(instance, validated_data)

    def _save(self, sponsor: Sponsor, data: dict) -> Sponsor:
        by = data.pop("by", None)
        has_logo = "logo" in data
        upload = data.pop("logo", None)
        for name, value in data.items():
            setattr(sponsor, name, value)
        with transaction.atomic():
            services.sponsor_save(sponsor=sponsor, by=by, changed=list(data))
            if has_logo:
                services.sponsor_logo_set(sponsor=sponsor, upload=upload, by=by)
        for name in ("server_count", "mirror_count"):  # the counts of a fresh read
            if not hasattr(sponsor, name):
                setattr(sponsor, name, 0)
        sponsor.__dict__.pop("description_html", None)
        return sponsor
