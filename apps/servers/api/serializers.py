"""Shapes of the servers API. The public shape is the /servers/ page's columns, no more;
staff also get the addresses, the data centre, the admins and the notes, and write through
apps/servers/services.py."""

from django.contrib.auth import get_user_model
from django_countries.serializer_fields import CountryField
from rest_framework import serializers

from .. import services
from ..choices import ServerCondition, ServerRole
from ..models import Role, Server


class RoleNameField(serializers.SlugRelatedField):
    """A role by name: any of ServerRole's, whether a server has had it yet or not."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="name", queryset=Role.objects.all(), **kwargs)

    def to_internal_value(self, data):
        if data not in ServerRole.values:
            self.fail("does_not_exist", slug_name="name", value=data)
        return data


class TrafficDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    bytes_out = serializers.IntegerField()


class ServerSerializer(serializers.ModelSerializer):
    """What /servers/ shows of a server in service."""

    country = CountryField()
    roles = RoleNameField(many=True, required=False, help_text=f"Of {', '.join(ServerRole)}.")
    sponsor = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Server._meta.get_field("sponsor").related_model.objects.all(),
        allow_null=True,
        required=False,
    )
    health = serializers.ChoiceField(  # the field's name before Server.condition: clients read it
        source="condition",
        choices=ServerCondition.choices,
        required=False,
        help_text="The worst hard state of the server's service checks.",
    )
    bytes_out_total = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Bytes sent, all the days recorded."
    )
    recent_traffic = TrafficDaySerializer(
        many=True, read_only=True, help_text="Bytes sent per day, the last 30 days."
    )

    class Meta:
        model = Server
        fields = [
            "hostname", "roles", "sponsor", "country", "city", "status", "health",
            "bandwidth_mbps", "bytes_out_total", "recent_traffic",
        ]  # fmt: skip

    def create(self, validated_data):
        return self._save(Server(), validated_data)

    def update(self, instance, validated_data):
        return self._save(instance, validated_data)

    def _save(self, server: Server, data: dict) -> Server:
        by = data.pop("by", None)
        roles = data.pop("roles", None)
        admins = data.pop("admins", None)
        for name, value in data.items():
            setattr(server, name, value)
        server = services.server_save(
            server=server, by=by, changed=list(data), roles=roles, admins=admins
        )
        if not hasattr(server, "recent_traffic"):  # a new server: no traffic yet
            server.bytes_out_total, server.recent_traffic = None, []
        return server


class ServerStaffSerializer(ServerSerializer):
    """Staff's view and the writable shape: the public fields and the private ones."""

    admins = serializers.SlugRelatedField(
        many=True,
        required=False,
        slug_field="username",
        queryset=get_user_model().objects.all(),
        help_text="User names of the people who run it (staff only).",
    )

    class Meta(ServerSerializer.Meta):
        fields = [
            *ServerSerializer.Meta.fields, "ipv4", "ipv6", "datacentre", "admins", "notes",
            "created", "modified",
        ]  # fmt: skip
        read_only_fields = ["created", "modified"]


class RoleSerializer(serializers.ModelSerializer):
    label = serializers.CharField(source="get_name_display", read_only=True)
    servers = serializers.IntegerField(
        read_only=True, source="server_count", help_text="Servers in service with this role."
    )

    class Meta:
        model = Role
        fields = ["name", "label", "servers"]
