"""Vantage points: Celery workers elsewhere that probe the mirrors from their own network
(apps.mirrors.services.vantage), and what each last saw of each mirror."""

from django.db import models

from .network import Mirror


class VantagePoint(models.Model):
    """A worker consuming its own queue (checks.<name>), anywhere with the broker's URL."""

    name = models.SlugField(max_length=40, unique=True, help_text="Its queue is checks.<name>.")
    region = models.CharField(max_length=60, help_text='Shown to people: "Asia", "Europe"...')
    families = models.JSONField(default=list, blank=True, help_text='["ipv4", "ipv6"]')
    source_address = models.GenericIPAddressField(
        null=True, blank=True, help_text="The address it probes from, on a host with several."
    )
    enabled = models.BooleanField(default=True)
    # When its last results (health or content) reached the portal; silent after two
    # sweep intervals without any (apps.mirrors.services.vantage.vantage_silent)
    last_answered_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.region})"

    @property
    def queue(self) -> str:
        return f"checks.{self.name}"

    @property
    def silent(self) -> bool:
        """Enabled, and no results from it for two sweep intervals (or ever)."""
        import datetime as dt

        from django.conf import settings
        from django.utils import timezone

        limit = dt.timedelta(minutes=2 * settings.MIRROR_CHECK_INTERVAL_MINUTES)
        return self.enabled and (
            self.last_answered_at is None or timezone.now() - self.last_answered_at > limit
        )


class MirrorVantageState(models.Model):
    """Whether a vantage point reached a mirror at its last probe, and since when."""

    mirror = models.ForeignKey(Mirror, on_delete=models.CASCADE, related_name="vantage_states")
    vantage = models.ForeignKey(VantagePoint, on_delete=models.CASCADE, related_name="states")
    reachable = models.BooleanField()
    since = models.DateTimeField()
    checked_at = models.DateTimeField(db_index=True)
    error = models.CharField(max_length=200, blank=True)
    # When its owner was told it is not reachable from here while reachable from elsewhere
    # (once per episode: cleared when it is reachable from here again).
    told_at = models.DateTimeField(null=True, blank=True)
    # Its last content check of the mirror: {"release:repository:architecture": [state,
    # lag_seconds, detail]} for each repository it asked (apps.mirrors.services.vantage_content)
    content = models.JSONField(default=dict, blank=True)
    content_at = models.DateTimeField(null=True, blank=True)
    # Its verdict per ISO image at that content check: {"image id": [state, detail]}
    images = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["mirror", "vantage"]
        constraints = [
            models.UniqueConstraint(fields=["mirror", "vantage"], name="unique_mirror_vantage")
        ]

    def __str__(self) -> str:
        return f"{self.mirror} from {self.vantage}: {'up' if self.reachable else 'down'}"
