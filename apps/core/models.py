"""Abstract base models shared by the apps, and the volunteers' API tokens."""

from django.conf import settings
from django.db import models


class TimeStampedModel(models.Model):
    """Records when a row was created and last changed."""

    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        """Tokens that still authenticate (not revoked)."""
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A key a person made for their scripts: it acts as them in the REST API. Only the
    SHA-256 of the key is kept (apps.core.tokens issues, checks and revokes them), so a
    leaked database does not leak working keys; `prefix` lets the owner recognise it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. 'sync-script'.")
    prefix = models.CharField(max_length=16, help_text="The key's first characters, to tell it.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
