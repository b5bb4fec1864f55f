"""Owners told where they already are: a webhook receives each event of its mirror as a
signed JSON POST (apps.mirrors.services.webhooks); every attempt is kept for the owner."""

import secrets

from django.conf import settings
from django.db import models

from .network import Mirror


def webhook_secret() -> str:
    return secrets.token_hex(32)


class MirrorWebhook(models.Model):
    """A URL receiving the mirror's events, signed with its own secret (HMAC-SHA256)."""

    mirror = models.ForeignKey(Mirror, on_delete=models.CASCADE, related_name="webhooks")
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=64, default=webhook_secret)
    created = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["mirror", "pk"]

    def __str__(self) -> str:
        return f"{self.mirror}: {self.url}"


class WebhookDelivery(models.Model):
    """One event sent to one webhook, with each attempt: [{at, status, error}]."""

    class State(models.TextChoices):
        PENDING = "pending", "Being delivered"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Given up"

    webhook = models.ForeignKey(MirrorWebhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=20)
    payload = models.JSONField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.JSONField(default=list, blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created", "-pk"]

    def __str__(self) -> str:
        return f"{self.event} to {self.webhook.url}: {self.state}"
