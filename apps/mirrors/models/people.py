"""What the people who run a mirror decide about it: when it is out for maintenance, who
else may manage it, and which emails go where."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .network import Mirror


class MaintenanceWindowQuerySet(models.QuerySet):
    def open_at(self, when=None):
        """Windows that hold `when` (now by default)."""
        when = when or timezone.now()
        return self.filter(starts_at__lte=when, ends_at__gt=when)

    def upcoming(self, when=None):
        return self.filter(ends_at__gt=when or timezone.now())


class MaintenanceWindow(models.Model):
    """A time the mirror is out on purpose ("Friday 22:00 to Saturday 06:00 UTC"): out of
    the lists, not counted as failing, not emailed about."""

    mirror = models.ForeignKey(Mirror, on_delete=models.CASCADE, related_name="maintenance")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    created = models.DateTimeField(auto_now_add=True)
    # When its owner's webhooks were told it started and ended (once each).
    start_told_at = models.DateTimeField(null=True, blank=True, editable=False)
    end_told_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = MaintenanceWindowQuerySet.as_manager()

    class Meta:
        ordering = ["mirror", "starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="maintenance_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        span = f"{self.starts_at:%Y-%m-%d %H:%M} to {self.ends_at:%Y-%m-%d %H:%M} UTC"
        return f"{self.mirror} out {span}"

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "The window must end after it starts."})


def _token() -> str:
    return secrets.token_urlsafe(32)


class CoOwnerInvite(models.Model):
    """An invitation, sent by email, to manage a mirror with its owner."""

    mirror = models.ForeignKey(Mirror, on_delete=models.CASCADE, related_name="invites")
    email = models.EmailField()
    token = models.CharField(max_length=64, unique=True, default=_token, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.email} to co-own {self.mirror}"
