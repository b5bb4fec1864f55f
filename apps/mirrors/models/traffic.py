"""Traffic a mirror's people report, as the servers push theirs: periods of bytes, the
daily totals their sponsor's page shows, and the last counter reading of each interface
(the next one's reference); the fields are apps.core.traffic's, as the servers'."""

from django.conf import settings
from django.db import models

from apps.core.traffic.models import CounterReading, TrafficPeriodBase, daily_traffic_model

from .network import Mirror

MirrorTraffic = daily_traffic_model(
    Mirror,
    "MirrorTraffic",
    module=__name__,
    doc="Bytes a mirror sent and received on one day (UTC), as its people reported.",
)


class MirrorTrafficPeriod(TrafficPeriodBase):
    """One report: bytes over [start, end), from a period's totals or two counter readings.
    Periods of one mirror do not overlap, so a report sent twice counts once."""

    OWNER = "mirror"
    mirror = models.ForeignKey(Mirror, on_delete=models.CASCADE, related_name="traffic_periods")
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["mirror", "-start"]
        indexes = [models.Index(fields=["mirror", "-start"])]


class MirrorCounter(CounterReading):
    """The last counter reading a mirror reported for one interface."""

    mirror = models.ForeignKey(Mirror, on_delete=models.CASCADE, related_name="counters")

    class Meta:
        ordering = ["mirror", "interface"]
        constraints = [
            models.UniqueConstraint(fields=["mirror", "interface"], name="unique_mirror_counter")
        ]

    def __str__(self) -> str:
        return f"{self.mirror} {self.interface}"
