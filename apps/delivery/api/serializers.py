"""Shapes of the delivery API (documentation for the OpenAPI schema; the data comes from
the in-memory snapshot, not from models)."""

from rest_framework import serializers

from ..snapshot import PROTOCOLS


class ChoiceQuerySerializer(serializers.Serializer):
    cc = serializers.CharField(required=False, help_text="Country code (overrides GeoIP).")
    country = serializers.CharField(required=False, help_text="Same as cc.")
    ip = serializers.IPAddressField(required=False, help_text="Locate this address instead.")
    protocol = serializers.ChoiceField(choices=PROTOCOLS, required=False)


class MirrorlistQuerySerializer(ChoiceQuerySerializer):
    release = serializers.CharField(help_text='A release ("5.0") or a major ("5").')
    repo = serializers.CharField(help_text='A repository ("os"), or "os-5" without release.')
    arch = serializers.CharField()


class IsoQuerySerializer(ChoiceQuerySerializer):
    release = serializers.CharField()
    arch = serializers.CharField()
    file = serializers.CharField(help_text="The image's file name.")


class ClientSerializer(serializers.Serializer):
    ip = serializers.CharField(allow_null=True)
    country = serializers.CharField(allow_null=True)
    continent = serializers.CharField(allow_null=True)
    ipv6 = serializers.BooleanField()
    asn = serializers.IntegerField(allow_null=True)


class WhereAmIQuerySerializer(serializers.Serializer):
    ip = serializers.IPAddressField(required=False, help_text="Locate this address instead.")


class WhereAmIASNSerializer(serializers.Serializer):
    number = serializers.IntegerField(allow_null=True)
    organization = serializers.CharField(allow_null=True)
    network = serializers.CharField(allow_null=True)


class WhereAmICitySerializer(serializers.Serializer):
    name = serializers.CharField(allow_null=True)
    subdivision = serializers.CharField(allow_null=True)
    country = serializers.CharField(allow_null=True)
    latitude = serializers.FloatField(allow_null=True)
    longitude = serializers.FloatField(allow_null=True)
    accuracy_radius_km = serializers.IntegerField(allow_null=True)


class WhereAmISerializer(serializers.Serializer):
    ip = serializers.CharField(allow_null=True)
    ipv6 = serializers.BooleanField()
    country = serializers.CharField(
        allow_null=True, help_text="The country the mirror lists use (GEOIP_PATH)."
    )
    country_name = serializers.CharField(allow_null=True)
    continent = serializers.CharField(allow_null=True)
    asn = WhereAmIASNSerializer(
        allow_null=True, help_text="From GEOIP_ASN_PATH; null when not configured or unknown."
    )
    city = WhereAmICitySerializer(
        allow_null=True, help_text="From GEOIP_CITY_PATH; null when not configured or unknown."
    )


class ChoiceSerializer(serializers.Serializer):
    url = serializers.CharField()
    bucket = serializers.CharField(
        help_text="netblock, asn, country, nearby, continent, global, internal, master or vault"
        " (-ipv4: an IPv4-only mirror listed after the IPv6 ones)."
    )
    mirror = serializers.CharField(
        allow_null=True, source="mirror.name", default=None,
        help_text="The mirror's name; null for the master, the vault and (but to staff) a "
        "private mirror.",
    )  # fmt: skip
    country = serializers.CharField(allow_blank=True)

    def to_representation(self, choice):
        data = super().to_representation(choice)
        if choice.mirror is not None and choice.mirror.private and not self.context.get("staff"):
            data["mirror"] = None  # a private mirror is never named in a public answer
        return data


class SnapshotInfoSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    built_at = serializers.CharField()
    age_seconds = serializers.FloatField()
    mirrors = serializers.IntegerField()


class ChosenMirrorsSerializer(serializers.Serializer):
    target = serializers.CharField(help_text="release/repo/arch or release/arch/file")
    path = serializers.CharField()
    client = ClientSerializer()
    snapshot = SnapshotInfoSerializer()
    mirrors = ChoiceSerializer(many=True)


class UsageRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    total = serializers.IntegerField()


class UsageDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    total = serializers.IntegerField()


class UsageSerializer(serializers.Serializer):
    since = serializers.DateField()
    until = serializers.DateField()
    days = UsageDaySerializer(many=True)
    kinds = UsageRowSerializer(many=True)
    countries = UsageRowSerializer(many=True)
    releases = UsageRowSerializer(many=True)
    repos = UsageRowSerializer(many=True)
    files = UsageRowSerializer(many=True)


class PublishedSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text="The new snapshot's version.")
    built_at = serializers.DateTimeField()
    mirrors = serializers.IntegerField(help_text="Mirrors in its answers.")
    size = serializers.IntegerField(help_text="Bytes of the serialised snapshot.")
    build_ms = serializers.IntegerField()


class StatusURLSerializer(serializers.Serializer):
    """One URL of a public mirror (archweb's fields, and ours)."""

    url = serializers.CharField()
    protocol = serializers.CharField(help_text="http, https, ftp or rsync")
    mirror = serializers.CharField(help_text="The mirror's name.")
    tier = serializers.CharField(help_text="internal or external")
    country = serializers.CharField(allow_blank=True)
    country_code = serializers.CharField(allow_blank=True)
    continent = serializers.CharField(allow_blank=True)
    last_check = serializers.DateTimeField(allow_null=True)
    last_check_ok = serializers.BooleanField(allow_null=True)
    last_error = serializers.CharField(allow_blank=True, help_text="The error code, or empty.")
    last_error_detail = serializers.CharField(allow_blank=True)
    last_sync = serializers.DateTimeField(
        allow_null=True, help_text="The newest repomd.xml timestamp the checks found on it."
    )
    completion_pct = serializers.FloatField(
        allow_null=True, help_text="Share (0 to 1) of its successful checks, last cutoff s."
    )
    delay = serializers.IntegerField(
        allow_null=True, help_text="Its worst lag behind the master, in seconds."
    )
    duration_avg = serializers.FloatField(allow_null=True, help_text="Seconds.")
    duration_stddev = serializers.FloatField(allow_null=True, help_text="Seconds.")
    score = serializers.FloatField(
        allow_null=True,
        help_text="(delay in hours + duration_avg + duration_stddev) / completion_pct; lower "
        "is better.",
    )
    active = serializers.BooleanField(help_text="Clients are sent to this URL.")
    why_not_listed = serializers.ListField(child=serializers.CharField())
    ipv4 = serializers.BooleanField()
    ipv6 = serializers.BooleanField()
    details = serializers.CharField(help_text="The mirror's page.")


class StatusSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text="The snapshot it was rendered from.")
    built_at = serializers.DateTimeField()
    cutoff = serializers.IntegerField(allow_null=True, help_text="Seconds of check history.")
    last_check = serializers.DateTimeField(allow_null=True)
    num_checks = serializers.IntegerField()
    check_frequency = serializers.IntegerField(allow_null=True, help_text="Seconds.")
    urls = StatusURLSerializer(many=True)
