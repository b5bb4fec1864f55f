"""Pushes: each time the master publishes new repository versions, and when each mirror
was first seen holding them (the propagation of that push through the sync tree)."""

from django.db import models

from .network import Mirror


class PushQuerySet(models.QuerySet):
    def recent(self, limit: int = 20):
        return self.order_by("-detected_at")[:limit]


class Push(models.Model):
    """New repository versions the master refresh found at once (one sync of the master)."""

    detected_at = models.DateTimeField(db_index=True, help_text="When the master refresh saw it.")
    master_timestamp = models.BigIntegerField(null=True, blank=True)
    versions = models.ManyToManyField(
        "releases.RepositoryVersion", related_name="pushes", blank=True
    )
    repositories = models.CharField(
        max_length=500, blank=True, help_text="The release/repository/architecture keys it changed."
    )
    mirrors_expected = models.PositiveIntegerField(
        default=0, help_text="Approved mirrors carrying at least one of its repositories."
    )

    objects = PushQuerySet.as_manager()

    class Meta:
        ordering = ["-detected_at"]
        get_latest_by = "detected_at"

    def __str__(self) -> str:
        return f"Push {self.pk} at {self.detected_at:%Y-%m-%d %H:%M}"


class PushArrival(models.Model):
    """The first check that found a mirror holding a version of a push."""

    push = models.ForeignKey(Push, on_delete=models.CASCADE, related_name="arrivals")
    mirror = models.ForeignKey(Mirror, on_delete=models.CASCADE, related_name="push_arrivals")
    seen_at = models.DateTimeField()
    delay_seconds = models.PositiveIntegerField(help_text="seen_at minus the push's detected_at.")

    class Meta:
        ordering = ["push", "seen_at"]
        constraints = [
            models.UniqueConstraint(fields=["push", "mirror"], name="unique_push_arrival")
        ]
        indexes = [models.Index(fields=["mirror", "-seen_at"])]

    def __str__(self) -> str:
        return f"{self.mirror} had push {self.push_id} after {self.delay_seconds} s"


class RolloutSample(models.Model):
    """How far a release had spread at one moment, from staging to some days after it
    opened: of the mirrors that carry it, how many held it, by continent, and the master."""

    release = models.ForeignKey(
        "releases.Release", on_delete=models.CASCADE, related_name="rollout_samples"
    )
    at = models.DateTimeField(db_index=True)
    held = models.PositiveIntegerField()
    total = models.PositiveIntegerField()
    continents = models.JSONField(default=dict, help_text='{"EU": [held, total], ...}')
    master = models.BooleanField(default=False, help_text="The master held it.")

    class Meta:
        ordering = ["release", "at"]

    def __str__(self) -> str:
        return f"{self.release} at {self.at:%Y-%m-%d %H:%M}: {self.held}/{self.total}"
