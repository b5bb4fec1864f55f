"""Traffic a mirror's people report, as the servers push theirs: periods of bytes, the
daily totals their sponsor's page shows, and the last counter reading of each interface
(the next one's reference)."""

from django.conf import settings
from django.db import models

from apps.servers.models.traffic import Counter64Field

from .network import Mirror


class MirrorTraffic(models.Model):
    """Bytes a mirror sent and received on one day (UTC), as its people reported."""

    mirror = models.ForeignKey(Mirror, on_delete=models.CASCADE, related_name="traffic")
    day = models.DateField()
    bytes_out = models.BigIntegerField(default=0)
    bytes_in = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["mirror", "-day"]
        constraints = [
            models.UniqueConstraint(fields=["mirror", "day"], name="unique_mirror_traffic_day")
        ]
        verbose_name_plural = "mirror traffic"

    def __str__(self) -> str:
        return f"{self.mirror} {self.day}"


class MirrorTrafficPeriod(models.Model):
    """One report: bytes over [start, end), from a period's totals or two counter readings.
    Periods of one mirror do not overlap, so a report sent twice counts once."""

    mirror = models.ForeignKey(Mirror, on_delete=models.CASCADE, related_name="traffic_periods")
    start = models.DateTimeField()
    end = models.DateTimeField()
    bytes_out = models.BigIntegerField()
    bytes_in = models.BigIntegerField()
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["mirror", "-start"]
        indexes = [models.Index(fields=["mirror", "-start"])]

    def __str__(self) -> str:
        return f"{self.mirror} {self.start:%Y-%m-%d %H:%M}–{self.end:%H:%M}"


class MirrorCounter(models.Model):
    """The last counter reading a mirror reported for one interface."""

    mirror = models.ForeignKey(Mirror, on_delete=models.CASCADE, related_name="counters")
    interface = models.CharField(max_length=64)
    taken_at = models.DateTimeField()
    in_octets = Counter64Field()
    out_octets = Counter64Field()
    uptime_ticks = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["mirror", "interface"]
        constraints = [
            models.UniqueConstraint(fields=["mirror", "interface"], name="unique_mirror_counter")
        ]

    def __str__(self) -> str:
        return f"{self.mirror} {self.interface}"
