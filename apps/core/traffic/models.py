"""The traffic models servers and mirrors share, abstract: each app's concrete model adds
its owner (a server, a mirror) and its Meta; the daily totals' concrete model is built here
for both (daily_traffic_model), as only the owner differs."""

from django.db import models

from .counters import Reading

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


class DailyTraffic(models.Model):
    """Bytes sent and received on one day (UTC), by the owner the field OWNER names."""

    OWNER = ""
    day = models.DateField()
    bytes_out = models.BigIntegerField(default=0)
    bytes_in = models.BigIntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{getattr(self, self.OWNER)} {self.day}"


def daily_traffic_model(owner: type[models.Model], name: str, *, module: str, doc: str):
    """The concrete DailyTraffic of one owner (a Server, a Mirror), the same for each: a
    foreign key named after the owner (related_name "traffic"), rows by owner then newest
    day, one row per owner and day. `module` is the defining module's __name__ (Django reads
    the app from it)."""
    field = owner._meta.model_name
    meta = type(
        "Meta",
        (),
        {
            "ordering": [field, "-day"],
            "constraints": [
                models.UniqueConstraint(fields=[field, "day"], name=f"unique_{field}_traffic_day")
            ],
            "verbose_name_plural": f"{field} traffic",
        },
    )
    attrs = {
        "__module__": module,
        "__doc__": doc,
        "__qualname__": name,
        "OWNER": field,
        field: models.ForeignKey(owner, on_delete=models.CASCADE, related_name="traffic"),
        "Meta": meta,
    }
    return type(name, (DailyTraffic,), attrs)


class TrafficPeriodBase(models.Model):
    """Bytes sent and received over [start, end): two counter readings' delta or a total
    reported for a period. An owner's periods do not overlap (a report sent twice counts
    once). OWNER names the owner's field."""

    OWNER = ""
    start = models.DateTimeField()
    end = models.DateTimeField()
    bytes_out = models.BigIntegerField()
    bytes_in = models.BigIntegerField()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{getattr(self, self.OWNER)} {self.start:%Y-%m-%d %H:%M}–{self.end:%H:%M}"


class CounterReading(models.Model):
    """One reading of one interface's counters (octets) with the agent's sysUpTime."""

    interface = models.CharField(max_length=64)
    taken_at = models.DateTimeField()
    in_octets = Counter64Field()
    out_octets = Counter64Field()
    uptime_ticks = models.BigIntegerField(null=True, blank=True)

    class Meta:
        abstract = True

    def reading(self) -> Reading:
        return Reading(self.taken_at, self.in_octets, self.out_octets, self.uptime_ticks)
