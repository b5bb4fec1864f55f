"""The partners API's shapes: the directory as the pages show it (the description sanitised
to HTML, as on the page), and an application (what the web form takes)."""

from rest_framework import serializers

from ..choices import LANGUAGES, PartnerKind


class PartnerSerializer(serializers.Serializer):
    name = serializers.CharField()
    slug = serializers.CharField()
    page = serializers.CharField(source="get_absolute_url")
    website = serializers.URLField()
    kinds = serializers.ListField(child=serializers.CharField(), source="kind_values")
    countries = serializers.ListField(child=serializers.CharField(), source="country_codes")
    languages = serializers.ListField(child=serializers.CharField(), source="language_codes")
    description_html = serializers.CharField(help_text="Markdown rendered and sanitised.")
    logo = serializers.SerializerMethodField()
    sponsor = serializers.CharField(
        source="sponsor.slug", read_only=True, allow_null=True, help_text="The sponsor's slug."
    )
    approved_until = serializers.DateField()

    def get_logo(self, partner) -> str | None:
        return partner.logo.url if partner.logo else None


class PartnerApplicationSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    website = serializers.URLField(max_length=200)
    contact_name = serializers.CharField(max_length=200)
    contact_email = serializers.EmailField()
    description = serializers.CharField(max_length=5000, help_text="Markdown.")
    kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=PartnerKind.choices), allow_empty=False
    )
    countries = serializers.ListField(
        child=serializers.CharField(min_length=2, max_length=2), allow_empty=False,
        help_text="ISO 3166 codes (DE, BR, ...), checked by the service.",
    )  # fmt: skip
    languages = serializers.ListField(
        child=serializers.ChoiceField(choices=LANGUAGES), allow_empty=False
    )
    logo = serializers.FileField(required=False, write_only=True)


class PartnerApplicationReceiptSerializer(serializers.Serializer):
    """What an application answers: where the partner's page will be, and its state."""

    slug = serializers.CharField()
    status = serializers.CharField()
