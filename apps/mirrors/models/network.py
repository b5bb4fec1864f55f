"""Mirrors, their URLs, what they carry and where they sync from, and the
state the checks last found them in."""

import ipaddress

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q
from django_countries.fields import CountryField

from apps.core.models import TimeStampedModel
from apps.releases.choices import RepositoryKind

from ..choices import (
    SUSPENDED,
    SUSPENDED_LABEL,
    Approval,
    Continent,
    MirrorStatus,
    MirrorTier,
    Protocol,
)
from ..validators import mirror_url_validate

# The emails about a mirror its people may choose among.
NOTIFY_EVENTS = ("down", "recovered", "stale", "suspended", "moderation")


def notify_events_default() -> list[str]:
    return list(NOTIFY_EVENTS)


def repository_kinds_default() -> list[str]:
    """Every kind of repository: what a mirror carries unless its people say otherwise."""
    return list(RepositoryKind.values)


def approved_q(prefix: str = "") -> Q:
    """Approved by a person and not suspended by the checks (`prefix`: "mirror__")."""
    return Q(**{f"{prefix}approval": Approval.APPROVED, f"{prefix}suspended_at__isnull": True})


class MirrorQuerySet(models.QuerySet):
    def approved(self):
        """Approved by a person and not suspended by the checks: the mirrors they sweep."""
        return self.filter(approved_q())

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

    def managed_by(self, user):
        """The mirrors `user` may change: their own and those they co-own."""
        return self.filter(Q(owner=user) | Q(co_owners=user)).distinct()

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
    transfer_quota_gb = models.PositiveIntegerField(
        null=True, blank=True, verbose_name="monthly transfer quota (GB)",
        help_text="What it may send in a calendar month (UTC), in GB of 10⁹ bytes; empty: no "
        "quota. Near it the mirror gets less weight; over it, it leaves the lists until the "
        "month turns.",
    )  # fmt: skip
    quota_notified_month = models.CharField(
        max_length=7, blank=True, editable=False,
        help_text="The month (YYYY-MM) its people were told it went over its quota.",
    )  # fmt: skip
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
    # A person's decision (apps.mirrors.services.moderation)...
    approval = models.CharField(
        max_length=10, choices=Approval.choices, default=Approval.PENDING, db_index=True
    )
    approval_reason = models.TextField(
        blank=True, help_text="Why the person rejected or disabled the mirror."
    )
    approval_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", editable=False, help_text="Who made the last decision.",
    )  # fmt: skip
    approval_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the last decision was made."
    )
    # ...and the checks' own: suspended after failing too many times in a row, until a
    # person enables it again.
    suspended_at = models.DateTimeField(
        null=True, blank=True, help_text="When the checks suspended it; empty: not suspended."
    )
    suspended_reason = models.CharField(
        max_length=300, blank=True, help_text="Why the checks suspended it."
    )
    owner_active = models.BooleanField(default=True, help_text="Switched on by the owner.")
    co_owners = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="co_owned_mirrors", blank=True,
        help_text="Volunteers who manage the mirror with its owner.",
    )  # fmt: skip
    notify_events = models.JSONField(
        default=notify_events_default,
        blank=True,
        help_text="Which emails the mirror's people get: " + ", ".join(NOTIFY_EVENTS) + ".",
    )
    notify_addresses = models.TextField(
        blank=True, help_text="More addresses for those emails, one per line."
    )
    releases = models.ManyToManyField("releases.Release", related_name="mirrors", blank=True)
    architectures = models.ManyToManyField(
        "releases.Architecture", related_name="mirrors", blank=True
    )
    repositories = models.ManyToManyField("releases.Repository", related_name="mirrors", blank=True)
    repository_kinds = models.JSONField(
        default=repository_kinds_default, blank=True,
        help_text="The kinds of repository it carries (" + ", ".join(RepositoryKind.values)
        + "); the answers list it only for repositories of these kinds.",
    )  # fmt: skip
    images = models.ManyToManyField(
        "releases.Image", related_name="mirrors", blank=True,
        help_text="The ISO images it carries; none chosen: every image of its releases and "
        "architectures.",
    )  # fmt: skip
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
    # The health loop between sweeps (apps.mirrors.services.health): one HEAD of the
    # timestamp file per URL each MIRROR_HEALTH_INTERVAL_SECONDS.
    health_failures = models.PositiveIntegerField(
        default=0, help_text="Health probes failed in a row."
    )
    health_successes = models.PositiveIntegerField(
        default=0, help_text="Health probes answered in a row."
    )
    health_checked_at = models.DateTimeField(null=True, blank=True)
    health_error = models.CharField(max_length=200, blank=True)
    recheck_requested_at = models.DateTimeField(
        null=True, blank=True, help_text="When a content check outside the sweeps was last queued."
    )
    time_modified = models.CharField(
        max_length=40,
        blank=True,
        help_text="The Last-Modified of its timestamp file at the last health round.",
    )

    objects = MirrorQuerySet.as_manager()

    class Meta:
        ordering = ["country", "name"]
        indexes = [models.Index(fields=["approval", "status"])]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        kinds = self.repository_kinds
        if not isinstance(kinds, list) or not set(kinds) <= set(RepositoryKind.values):
            raise ValidationError({"repository_kinds": "A list of: "
                                   + ", ".join(RepositoryKind.values) + "."})  # fmt: skip
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
    def standing(self) -> str:
        """Its approval, or `suspended` while the checks hold it out (what pages show)."""
        return SUSPENDED if self.suspended_at else self.approval

    def get_standing_display(self) -> str:
        return SUSPENDED_LABEL if self.suspended_at else self.get_approval_display()

    @property
    def standing_reason(self) -> str:
        return self.suspended_reason if self.suspended_at else self.approval_reason

    @property
    def is_serving(self) -> bool:
        return (
            self.approval == Approval.APPROVED
            and self.suspended_at is None
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
