"""Keys that one server uses to push its readings (disk, load, traffic counters) to the
portal, for servers that nobody polls. Each key belongs to one server and is kept only as
its SHA-256 (apps.servers.services.push_tokens issues and revokes them)."""

from django.db import models

from .inventory import Server


class ServerPushTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ServerPushToken(models.Model):
    """A key one server's scripts push with: it may write that server's readings, nothing
    else. `prefix` lets the team tell keys apart in the admin."""

    server = models.ForeignKey(Server, on_delete=models.CASCADE, related_name="push_tokens")
    name = models.CharField(max_length=100, help_text="What pushes with it, e.g. 'cron on host'.")
    prefix = models.CharField(max_length=16, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ServerPushTokenQuerySet.as_manager()

    class Meta:
        ordering = ["server", "-created", "-pk"]
        verbose_name = "server push key"

    def __str__(self) -> str:
        return f"{self.server}: {self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
