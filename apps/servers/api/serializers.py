from django_countries.serializer_fields import CountryField
from rest_framework import serializers

from ..models import Server


class ServerSerializer(serializers.ModelSerializer):
    country = CountryField()
    roles = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    sponsor = serializers.SlugRelatedField(read_only=True, slug_field="slug")

    class Meta:
        model = Server
        fields = [
            "hostname",
            "ipv4",
            "ipv6",
            "roles",
            "sponsor",
            "country",
            "city",
            "datacentre",
            "status",
            "health",
            "bandwidth_mbps",
        ]
