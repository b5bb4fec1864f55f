from django_countries.serializer_fields import CountryField
from rest_framework import serializers

from ..models import Mirror, MirrorURL


class MirrorURLSerializer(serializers.ModelSerializer):
    class Meta:
        model = MirrorURL
        fields = ["protocol", "url", "ipv4", "ipv6"]


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
