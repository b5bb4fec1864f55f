from django.core.exceptions import ValidationError as DjangoValidationError
from django_countries.serializer_fields import CountryField
from rest_framework import serializers

from ..models import Mirror, MirrorURL
from ..validators import mirror_url_validate


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
    country = CountryField()
    urls = MirrorURLSerializer(many=True, read_only=True)
    upstream = serializers.SlugRelatedField(read_only=True, slug_field="name")
    sponsor = serializers.SlugRelatedField(read_only=True, slug_field="slug")

    class Meta:
        model = Mirror
        fields = [
            "id",
            "name",
            "organisation",
            "sponsor",
            "country",
            "continent",
            "latitude",
            "longitude",
            "bandwidth_mbps",
            "tier",
            "upstream",
            "status",
            "status_since",
            "last_checked_at",
            "urls",
        ]
