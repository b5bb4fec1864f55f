"""Bandwidth as cacti has it: where a server's counters are polled over SNMP, the raw
counter readings (polled or pushed; pruned after a while) and the periods of traffic they
and pushed totals give. The daily totals the pages read are ServerTraffic (inventory.py)."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from apps.core.traffic.models import CounterReading, TrafficPeriodBase

from ..choices import TrafficSource
from .inventory import Server


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


class TrafficSample(CounterReading):
    """One reading of one interface's counters (octets) with the agent's sysUpTime, and
    how it compared with the one before: a wrap, a reboot, or why it was discarded."""

    server = models.ForeignKey(Server, on_delete=models.CASCADE, related_name="traffic_samples")
    source = models.CharField(max_length=10, choices=TrafficSource.choices)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["server", "interface", "-taken_at"]
        indexes = [models.Index(fields=["server", "interface", "-taken_at"])]

    def __str__(self) -> str:
        return f"{self.server} {self.interface} {self.taken_at:%Y-%m-%d %H:%M}"


class TrafficPeriod(TrafficPeriodBase):
    """Bytes a server sent and received over [start, end): the delta of two counter
    readings (about five minutes) or a total pushed for a period. Pruned with the samples;
    what stays is the daily total."""

    OWNER = "server"
    server = models.ForeignKey(Server, on_delete=models.CASCADE, related_name="traffic_periods")
    source = models.CharField(max_length=10, choices=TrafficSource.choices)
    interface = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["server", "-start"]
        indexes = [models.Index(fields=["server", "-start"])]
