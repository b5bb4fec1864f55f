"""Mirrors, their URLs, what they carry and where they sync from, and the
state the checks last found them in."""

import ipaddress

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q
from django_countries.fields import CountryField

from apps.core.models import TimeStampedModel

from .choices import (
    Approval,
    CheckError,
    CheckKind,
    ContentState,
    Continent,
    ImageState,
    MirrorStatus,
    MirrorTier,
    Protocol,
    SweepState,
    SweepTrigger,
)
from .validators import mirror_url_validate


class MirrorQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(approval=Approval.APPROVED)

    def active(self):
        """Approved, and switched on by the owner."""
        return self.approved().filter(owner_active=True)

    def serving(self):
        """Active mirrors the checks found up: the ones clients may be sent to."""
        return self.active().filter(status=MirrorStatus.UP)

    def public(self):
        return self.filter(private=False)

    def external(self):
        return self.filter(tier=MirrorTier.EXTERNAL)

    def internal(self):
        return self.filter(tier=MirrorTier.INTERNAL)

    def count_by_country(self):
        return self.values("country").annotate(count=Count("id")).order_by("-count", "country")


class Mirror(TimeStampedModel):
    """A host that volunteers run and that copies the tree from its upstream.

    Masters hold the truth, internal mirrors run on donated servers, external
    mirrors are registered by volunteers and sync from a close internal one.
    """

    name = models.CharField(max_length=253, unique=True, help_text="Usually the host name.")
    organisation = models.CharField(max_length=200, blank=True)
    sponsor = models.ForeignKey(
        "sponsors.Sponsor", on_delete=models.SET_NULL, related_name="mirrors", null=True, blank=True
    )
    server = models.ForeignKey(
        "servers.Server",
        on_delete=models.SET_NULL,
        related_name="mirrors",
        null=True,
        blank=True,
        help_text="The donated server an internal mirror or master runs on.",
    )
    country = CountryField(db_index=True)
    continent = models.CharField(max_length=2, choices=Continent.choices, blank=True, db_index=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="mirrors",
        null=True,
        blank=True,
    )
    contact_email = models.EmailField(blank=True)
    bandwidth_mbps = models.PositiveIntegerField(
        default=100, help_text="Declared bandwidth in Mbit/s: the weight in the mirror lists."
    )
    tier = models.CharField(
        max_length=10, choices=MirrorTier.choices, default=MirrorTier.EXTERNAL, db_index=True
    )
    upstream = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        related_name="downstreams",
        null=True,
        blank=True,
        help_text="The mirror this one syncs from.",
    )
    private = models.BooleanField(
        default=False, help_text="Serves only the clients in its own netblocks or ASN."
    )
    asn = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        verbose_name="ASN",
        help_text="Autonomous system it prefers to serve.",
    )
    approval = models.CharField(
        max_length=10, choices=Approval.choices, default=Approval.PENDING, db_index=True
    )
    approval_reason = models.TextField(
        blank=True, help_text="Why the mirror was rejected, disabled or suspended."
    )
    owner_active = models.BooleanField(default=True, help_text="Switched on by the owner.")
    releases = models.ManyToManyField("releases.Release", related_name="mirrors", blank=True)
    architectures = models.ManyToManyField(
        "releases.Architecture", related_name="mirrors", blank=True
    )
    repositories = models.ManyToManyField("releases.Repository", related_name="mirrors", blank=True)
    notes = models.TextField(blank=True)

    # What the checks last concluded (after hysteresis).
    status = models.CharField(
        max_length=10, choices=MirrorStatus.choices, default=MirrorStatus.UNKNOWN, db_index=True
    )
    status_since = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    consecutive_successes = models.PositiveIntegerField(default=0)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    stale_notified = models.BooleanField(
        default=False, help_text="The owner was told the mirror is stale; reset once current."
    )

    objects = MirrorQuerySet.as_manager()

    class Meta:
        ordering = ["country", "name"]
        indexes = [models.Index(fields=["approval", "status"])]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.upstream_id and self.upstream_id == self.pk:
            raise ValidationError({"upstream": "A mirror cannot sync from itself."})
        if self.pk and self.upstream_id:
            # Walk up the tree: a loop would leave every mirror in it without a source.
            seen, node = {self.pk}, self.upstream
            while node is not None:
                if node.pk in seen:
                    raise ValidationError({"upstream": "This would make the sync tree a loop."})
                seen.add(node.pk)
                node = node.upstream

    @property
    def is_serving(self) -> bool:
        return (
            self.approval == Approval.APPROVED
            and self.owner_active
            and self.status == MirrorStatus.UP
        )


def validate_netblock(value: str) -> None:
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError as exc:
        raise ValidationError(f"{value!r} is not a network such as 192.0.2.0/24.") from exc


class Netblock(models.Model):
    """A network a mirror prefers to serve (its campus, its customers)."""

    mirror = models.ForeignKey(Mirror, on_delete=models.CASCADE, related_name="netblocks")
    cidr = models.CharField(max_length=50, validators=[validate_netblock])

    class Meta:
        ordering = ["mirror", "cidr"]
        constraints = [
            models.UniqueConstraint(fields=["mirror", "cidr"], name="unique_netblock_per_mirror")
        ]

    def __str__(self) -> str:
        return self.cidr

    def save(self, *args, **kwargs):
        self.cidr = str(ipaddress.ip_network(self.cidr, strict=False))
        super().save(*args, **kwargs)


class MirrorURLQuerySet(models.QuerySet):
    def http(self):
        return self.filter(protocol__in=[Protocol.HTTP, Protocol.HTTPS])


class MirrorURL(models.Model):
    """One protocol endpoint of a mirror: the top of its copy of the tree."""

    mirror = models.ForeignKey(Mirror, on_delete=models.CASCADE, related_name="urls")
    protocol = models.CharField(max_length=10, choices=Protocol.choices)
    url = models.CharField(max_length=500, unique=True)
    ipv4 = models.BooleanField(default=True, verbose_name="IPv4")
    ipv6 = models.BooleanField(default=False, verbose_name="IPv6")

    objects = MirrorURLQuerySet.as_manager()

    class Meta:
        ordering = ["mirror", "protocol", "url"]
        verbose_name = "mirror URL"

    def __str__(self) -> str:
        return self.url

    def clean(self) -> None:
        try:
            self.url = mirror_url_validate(self.url, self.protocol or None)
        except ValidationError as exc:
            raise ValidationError({"url": exc.error_list}) from exc


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

    class Meta:
        ordering = ["-checked_at", "-id"]
        indexes = [models.Index(fields=["mirror", "-checked_at"])]

    def __str__(self) -> str:
        return f"{self.url}: {self.error or self.http_status}"

    @property
    def ok(self) -> bool:
        return not self.error


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
