"""Bandwidth as cacti has it: where a server's counters are polled over SNMP, the raw
counter readings (polled or pushed; pruned after a while) and the periods of traffic they
and pushed totals give. The daily totals the pages read are ServerTraffic (inventory.py)."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from ..choices import TrafficSource
from .inventory import Server

OFFSET = 2**63  # Counter64 is unsigned; the database's bigint is signed


class Counter64Field(models.BigIntegerField):
    """An unsigned 64-bit counter, kept in a signed bigint shifted by 2**63 (order kept)."""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return None if value is None else int(value) - OFFSET

    def from_db_value(self, value, expression, connection):
        return None if value is None else int(value) + OFFSET

    def formfield(self, **kwargs):
        return super().formfield(**{"min_value": 0, "max_value": 2**64 - 1, **kwargs})


class SnmpTarget(models.Model):
    """How the poller reads a server's interface counters (SNMP v2c). The community is a
    secret: it is never shown on a public page or in the API."""

    server = models.OneToOneField(Server, on_delete=models.CASCADE, related_name="snmp")
    host = models.CharField(max_length=253, help_text="Address or name the agent answers on.")
    port = models.PositiveIntegerField(
        default=161, validators=[MinValueValidator(1), MaxValueValidator(65535)]
    )
    community = models.CharField(max_length=100, help_text="The v2c read-only community.")
    if_index = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="The interface (ifIndex) to read; empty: every interface but loopbacks.",
    )
    max_mbps = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Speed above which a rate is impossible, in Mbit/s; empty: the interface's "
        "own (ifHighSpeed).",
    )
    enabled = models.BooleanField(default=True)
    last_polled_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.CharField(max_length=300, blank=True, editable=False)

    class Meta:
        ordering = ["server"]
        verbose_name = "SNMP target"

    def __str__(self) -> str:
        return f"{self.server} via {self.host}:{self.port}"


class TrafficSample(models.Model):
    """One reading of one interface's counters (octets) with the agent's sysUpTime, and
    how it compared with the one before: a wrap, a reboot, or why it was discarded."""

    server = models.ForeignKey(Server, on_delete=models.CASCADE, related_name="traffic_samples")
    interface = models.CharField(max_length=64)
    taken_at = models.DateTimeField()
    in_octets = Counter64Field()
    out_octets = Counter64Field()
    uptime_ticks = models.BigIntegerField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=TrafficSource.choices)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["server", "interface", "-taken_at"]
        indexes = [models.Index(fields=["server", "interface", "-taken_at"])]

    def __str__(self) -> str:
        return f"{self.server} {self.interface} {self.taken_at:%Y-%m-%d %H:%M}"


class TrafficPeriod(models.Model):
    """Bytes a server sent and received over [start, end): the delta of two counter
    readings (about five minutes) or a total pushed for a period. Pruned with the samples;
    what stays is the daily total."""

    server = models.ForeignKey(Server, on_delete=models.CASCADE, related_name="traffic_periods")
    start = models.DateTimeField()
    end = models.DateTimeField()
    bytes_out = models.BigIntegerField()
    bytes_in = models.BigIntegerField()
    source = models.CharField(max_length=10, choices=TrafficSource.choices)
    interface = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["server", "-start"]
        indexes = [models.Index(fields=["server", "-start"])]

    def __str__(self) -> str:
        return f"{self.server} {self.start:%Y-%m-%d %H:%M}–{self.end:%H:%M}"
