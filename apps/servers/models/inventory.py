"""The donated servers the volunteers run, their roles, condition and traffic."""

from django.conf import settings
from django.db import models
from django_countries.fields import CountryField

from apps.core.models import TimeStampedModel
from apps.core.traffic.models import daily_traffic_model

from ..choices import ServerCondition, ServerRole, ServerStatus


class Role(models.Model):
    """A job a server does (dns, website, mirror master, ...)."""

    name = models.CharField(max_length=30, choices=ServerRole.choices, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.get_name_display()


class ServerQuerySet(models.QuerySet):
    def in_service(self):
        return self.exclude(status=ServerStatus.RETIRED)

    def with_role(self, role: str):
        return self.filter(roles__name=role)


class Server(TimeStampedModel):
    """A donated machine: who gave it, where it stands, what it does, how it is."""

    hostname = models.CharField(max_length=253, unique=True)
    ipv4 = models.GenericIPAddressField(protocol="IPv4", null=True, blank=True)
    ipv6 = models.GenericIPAddressField(protocol="IPv6", null=True, blank=True)
    roles = models.ManyToManyField(Role, related_name="servers", blank=True)
    sponsor = models.ForeignKey(
        "sponsors.Sponsor", on_delete=models.PROTECT, related_name="servers", null=True, blank=True
    )
    country = CountryField()
    city = models.CharField(max_length=100, blank=True)
    datacentre = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=20, choices=ServerStatus.choices, default=ServerStatus.ACTIVE, db_index=True
    )
    condition = models.CharField(
        max_length=10,
        choices=ServerCondition.choices,
        default=ServerCondition.UNKNOWN,
        db_index=True,
    )
    bandwidth_mbps = models.PositiveIntegerField(
        null=True, blank=True, help_text="Capacity of the uplink the sponsor gives, in Mbit/s."
    )
    admins = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="servers", blank=True)
    notes = models.TextField(blank=True)

    objects = ServerQuerySet.as_manager()

    class Meta:
        ordering = ["hostname"]

    def __str__(self) -> str:
        return self.hostname


ServerTraffic = daily_traffic_model(
    Server,
    "ServerTraffic",
    module=__name__,
    doc="Bytes a server sent and received on one day (what cacti graphed).",
)
