"""What the checks record: each mirror's repository and image states, the sweeps, the
checks and their daily summaries."""

from django.db import models
from django.db.models import Q

from ..choices import (
    AddressFamily,
    CheckError,
    CheckKind,
    ContentState,
    ImageState,
    MirrorStatus,
    SweepState,
    SweepTrigger,
)
from .network import Mirror, MirrorURL


class MirrorRepositoryState(models.Model):
    """How current a mirror's copy of one release/repository/architecture is."""

    mirror = models.ForeignKey(Mirror, on_delete=models.CASCADE, related_name="repository_states")
    release = models.ForeignKey("releases.Release", on_delete=models.CASCADE, related_name="+")
    repository = models.ForeignKey(
        "releases.Repository", on_delete=models.CASCADE, related_name="+"
    )
    architecture = models.ForeignKey(
        "releases.Architecture", on_delete=models.CASCADE, related_name="+"
    )
    state = models.CharField(
        max_length=10, choices=ContentState.choices, default=ContentState.UNKNOWN, db_index=True
    )
    timestamp = models.BigIntegerField(null=True, blank=True, help_text="repomd.xml <timestamp>.")
    sha256 = models.CharField(max_length=64, blank=True)
    lag_seconds = models.PositiveIntegerField(null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    # incomplete: the sampled package that was missing or wrong, with what was wrong
    detail = models.CharField(max_length=300, blank=True)
    # [state, lag_seconds, detail] as this place found it, when the majority of the places
    # that checked it decided otherwise (apps.mirrors.services.vantage_majority)
    here = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["mirror", "release", "repository", "architecture"]
        constraints = [
            models.UniqueConstraint(
                fields=["mirror", "release", "repository", "architecture"],
                name="unique_mirror_repository_state",
            )
        ]

    def __str__(self) -> str:
        return f"{self.mirror} {self.release}/{self.repository}/{self.architecture}: {self.state}"


class MirrorImageState(models.Model):
    """Whether a mirror has one ISO image, with the master's size."""

    mirror = models.ForeignKey(Mirror, on_delete=models.CASCADE, related_name="image_states")
    image = models.ForeignKey("releases.Image", on_delete=models.CASCADE, related_name="states")
    state = models.CharField(
        max_length=12, choices=ImageState.choices, default=ImageState.UNKNOWN, db_index=True
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    # wrong_size or incomplete: what differs, the path named ("5.0/isos/...iso: bytes ...")
    detail = models.CharField(max_length=300, blank=True)
    # [state, detail] as this place found it, when the majority decided otherwise
    here = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["mirror", "image"]
        constraints = [
            models.UniqueConstraint(fields=["mirror", "image"], name="unique_mirror_image_state")
        ]

    def __str__(self) -> str:
        return f"{self.mirror} {self.image}: {self.state}"


class SweepQuerySet(models.QuerySet):
    def running(self):
        return self.filter(state=SweepState.RUNNING)

    def finished(self):
        return self.filter(state=SweepState.FINISHED)


class Sweep(models.Model):
    """One pass of the checks over all mirrors, split into chunks that workers share.

    At most one sweep runs at a time (a partial unique constraint); its lease lets the
    next sweep start anyway when a worker died in the middle of this one.
    """

    state = models.CharField(
        max_length=10, choices=SweepState.choices, default=SweepState.RUNNING, db_index=True
    )
    trigger = models.CharField(
        max_length=10, choices=SweepTrigger.choices, default=SweepTrigger.PERIODIC
    )
    started_at = models.DateTimeField(db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField()
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    # The chunks counted (each by its first mirror id): a chunk delivered again is not.
    chunks_counted = models.JSONField(default=list, blank=True, editable=False)
    mirrors_total = models.PositiveIntegerField(default=0)
    mirrors_checked = models.PositiveIntegerField(default=0)
    mirrors_failed = models.PositiveIntegerField(default=0, help_text="Unreachable this sweep.")
    mirrors_up = models.PositiveIntegerField(default=0, help_text="Up after this sweep.")
    mirrors_down = models.PositiveIntegerField(default=0, help_text="Down after this sweep.")
    checks_count = models.PositiveIntegerField(default=0)
    master_ok = models.BooleanField(default=False, help_text="The master answered.")
    master_timestamp = models.BigIntegerField(null=True, blank=True)
    notes = models.TextField(blank=True)

    objects = SweepQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        get_latest_by = "started_at"
        constraints = [
            models.UniqueConstraint(
                fields=["state"],
                condition=Q(state="running"),
                name="one_running_sweep",
            )
        ]

    def __str__(self) -> str:
        return f"Sweep {self.pk} ({self.state}, {self.started_at:%Y-%m-%d %H:%M})"

    @property
    def duration(self):
        return self.finished_at - self.started_at if self.finished_at else None


class Check(models.Model):
    """One probe of one URL of a mirror: what came back and how long it took."""

    sweep = models.ForeignKey(
        Sweep, on_delete=models.SET_NULL, related_name="checks", null=True, blank=True
    )
    mirror = models.ForeignKey(Mirror, on_delete=models.CASCADE, related_name="checks")
    mirror_url = models.ForeignKey(
        MirrorURL, on_delete=models.SET_NULL, related_name="checks", null=True, blank=True
    )
    url = models.CharField(max_length=1000)
    kind = models.CharField(max_length=10, choices=CheckKind.choices)
    checked_at = models.DateTimeField(db_index=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    bytes = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=20, choices=CheckError.choices, blank=True, db_index=True)
    detail = models.CharField(max_length=200, blank=True)
    family = models.CharField(
        max_length=4, choices=AddressFamily.choices, blank=True,
        help_text="The address family asked; blank when the name did not resolve.",
    )  # fmt: skip
    vantage = models.CharField(
        max_length=40, blank=True,
        help_text="The vantage point that probed; blank for this place.",
    )  # fmt: skip

    class Meta:
        ordering = ["-checked_at", "-id"]
        indexes = [models.Index(fields=["mirror", "-checked_at"])]

    def __str__(self) -> str:
        return f"{self.url}: {self.error or self.http_status}"

    @property
    def ok(self) -> bool:
        return not self.error

    @property
    def protocol(self) -> str:
        """http, https, ftp or rsync: the scheme of the URL asked."""
        return self.url.partition("://")[0].lower()


class MirrorURLState(models.Model):
    """What the checks last found at one mirror URL over one address family: up or down
    (with the same hysteresis as the mirror's status), and its timestamp file.

    A URL whose host has IPv4 and IPv6 addresses has a row per family (`dual`): the lists
    leave the mirror out for the clients of a family whose side is down or behind (its
    timestamp file older than the newest the mirror serves). Other URLs have one row, which
    the mirror's page shows but which changes nothing in the lists.
    """

    mirror_url = models.ForeignKey(MirrorURL, on_delete=models.CASCADE, related_name="states")
    family = models.CharField(max_length=4, choices=AddressFamily.choices, blank=True)
    dual = models.BooleanField(default=False, help_text="Its host has both address families.")
    status = models.CharField(
        max_length=10, choices=MirrorStatus.choices, default=MirrorStatus.UNKNOWN
    )
    status_since = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    consecutive_successes = models.PositiveIntegerField(default=0)
    timestamp = models.BigIntegerField(null=True, blank=True, help_text="Its timestamp file.")
    behind = models.BooleanField(
        default=False, help_text="Serves an older timestamp file than the mirror's newest."
    )
    error = models.CharField(max_length=20, choices=CheckError.choices, blank=True)
    detail = models.CharField(max_length=200, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["mirror_url", "family"]
        verbose_name = "mirror URL state"
        constraints = [
            models.UniqueConstraint(fields=["mirror_url", "family"], name="unique_url_family_state")
        ]

    def __str__(self) -> str:
        return f"{self.mirror_url} {self.family or 'no address'}: {self.status}"

    @property
    def serving(self) -> bool:
        return self.status == MirrorStatus.UP and not self.behind

    @property
    def family_label(self) -> str:
        return self.get_family_display() if self.family else "no address"


class CheckDaily(models.Model):
    """The checks of one mirror on one day, once the checks themselves are deleted."""

    mirror = models.ForeignKey(Mirror, on_delete=models.CASCADE, related_name="check_days")
    day = models.DateField(db_index=True)
    checks = models.PositiveIntegerField(default=0)
    failures = models.PositiveIntegerField(default=0)
    success_ratio = models.FloatField(default=0.0)
    latency_mean_ms = models.FloatField(null=True, blank=True)
    latency_p95_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-day", "mirror"]
        verbose_name = "daily check summary"
        verbose_name_plural = "daily check summaries"
        constraints = [models.UniqueConstraint(fields=["mirror", "day"], name="unique_check_daily")]

    def __str__(self) -> str:
        return f"{self.mirror} {self.day}: {self.success_ratio:.0%}"
