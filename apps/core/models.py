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


class QueuedTask(models.Model):
    """Work asked of the Celery workers, kept in the database until the broker has it (an
    outbox): asked for while Redis is down, it is sent when Redis is back, and only once
    (apps.core.outbox)."""

    name = models.CharField(max_length=200, help_text="The Celery task's name.")
    kwargs = models.JSONField(default=dict, blank=True)
    key = models.CharField(
        max_length=200, blank=True, db_index=True, help_text="Asked again while unsent: sent once."
    )
    eta = models.DateTimeField(null=True, blank=True, help_text="Not to run before this.")
    created = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0, help_text="Sends the broker refused.")
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        state = f"sent {self.sent_at:%Y-%m-%d %H:%M:%S}" if self.sent_at else "waiting"
        return f"{self.name}({self.kwargs}) {state}"


class WorkerHeartbeat(models.Model):
    """When a Celery worker last ran the heartbeat task (beat sends it every minute): /healthz
    and the status page tell from it whether tasks get run at all."""

    hostname = models.CharField(max_length=255, unique=True)
    seen_at = models.DateTimeField()

    class Meta:
        ordering = ["-seen_at"]

    def __str__(self) -> str:
        return f"{self.hostname} at {self.seen_at:%Y-%m-%d %H:%M:%S}"
