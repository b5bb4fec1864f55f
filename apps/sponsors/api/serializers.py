from django_countries.serializer_fields import CountryField
from rest_framework import serializers

from ..models import Sponsor


class SponsorSerializer(serializers.ModelSerializer):
    country = CountryField()
    description_html = serializers.CharField(read_only=True)
    logo_url = serializers.FileField(source="logo", read_only=True, use_url=True)

    class Meta:
        model = Sponsor
        fields = [
            "name",
            "slug",
            "kind",
            "website",
            "logo_url",
            "country",
            "sponsor_since",
            "active",
            "description_html",
        ]
