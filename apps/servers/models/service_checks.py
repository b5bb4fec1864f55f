"""What nagios knew of the servers: each server's service checks (active ones run by a
Monitoring Plugin, passive ones fed by the server's pushed readings), their soft/hard state,
and the history of every result (apps.servers.services.condition_* write them)."""

from django.db import models
from django.db.models import Q

from ..choices import ServerCondition, StateType
from .inventory import Server

# Severity order of the states, as nagios ranks them for a host's worst service.
SEVERITY = {
    ServerCondition.OK: 0,
    ServerCondition.WARNING: 1,
    ServerCondition.UNKNOWN: 2,
    ServerCondition.CRITICAL: 3,
}


class ServerServiceQuerySet(models.QuerySet):
    def due(self, now):
        """Enabled services of servers in service whose next check is now (or never set: a
        service added by hand runs in the next round)."""
        return self.filter(
            Q(next_check__lte=now) | Q(next_check__isnull=True),
            enabled=True,
            server__in=Server.objects.in_service(),
        )

    def problems(self):
        return self.exclude(state=ServerCondition.OK)


class ServerService(models.Model):
    """One service check of one server, as a nagios service definition and its status:
    an active check runs `plugin` (a name in settings.SERVER_CHECK_PLUGINS) with
    `arguments`; a passive one takes the server's pushed readings and turns stale after
    `freshness` seconds without any. Services made from the server's roles are `derived`
    and follow them; others are added by hand and kept."""

    server = models.ForeignKey(Server, on_delete=models.CASCADE, related_name="services")
    name = models.CharField(max_length=60)
    plugin = models.CharField(max_length=60, help_text="A name in SERVER_CHECK_PLUGINS.")
    passive = models.BooleanField(default=False, help_text="Fed by pushed readings.")
    arguments = models.JSONField(
        default=dict, blank=True, help_text='Values for the plugin\'s command, e.g. {"port": 8080}.'
    )
    derived = models.BooleanField(default=False, editable=False)
    enabled = models.BooleanField(default=True)
    check_interval = models.PositiveIntegerField(default=300, help_text="Seconds, when OK or HARD.")
    retry_interval = models.PositiveIntegerField(default=60, help_text="Seconds, while SOFT.")
    max_attempts = models.PositiveSmallIntegerField(default=3)
    freshness = models.PositiveIntegerField(
        default=1800, help_text="Passive: seconds without a reading before it is stale."
    )
    state = models.CharField(
        max_length=10, choices=ServerCondition.choices, default=ServerCondition.OK, db_index=True
    )
    state_type = models.CharField(max_length=4, choices=StateType.choices, default=StateType.HARD)
    attempt = models.PositiveSmallIntegerField(default=1)
    last_hard_state = models.CharField(
        max_length=10, choices=ServerCondition.choices, default=ServerCondition.OK
    )
    created = models.DateTimeField(auto_now_add=True)
    last_check = models.DateTimeField(null=True, blank=True)
    next_check = models.DateTimeField(null=True, blank=True, db_index=True)
    last_state_change = models.DateTimeField(null=True, blank=True)
    last_hard_state_change = models.DateTimeField(null=True, blank=True)
    output = models.TextField(blank=True, help_text="The plugin's first line, without perfdata.")
    long_output = models.TextField(blank=True)
    perfdata = models.JSONField(default=list, blank=True)

    objects = ServerServiceQuerySet.as_manager()

    class Meta:
        ordering = ["server", "name"]
        constraints = [
            models.UniqueConstraint(fields=["server", "name"], name="unique_server_service_name")
        ]
        indexes = [models.Index(fields=["enabled", "next_check"], name="server_service_due")]

    def __str__(self) -> str:
        return f"{self.server} {self.name}"

    @property
    def pending(self) -> bool:
        """Never checked yet (nagios' PENDING)."""
        return self.last_check is None


class ServiceCheckResult(models.Model):
    """One result of a service check, as the state machine took it: the state and state
    type it left the service in, the attempt, the plugin's output and parsed perfdata."""

    service = models.ForeignKey(ServerService, on_delete=models.CASCADE, related_name="results")
    checked_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=ServerCondition.choices)
    state_type = models.CharField(max_length=4, choices=StateType.choices)
    attempt = models.PositiveSmallIntegerField()
    hard_change = models.BooleanField(default=False, help_text="The hard state changed here.")
    exit_code = models.SmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    output = models.TextField(blank=True)
    long_output = models.TextField(blank=True)
    perfdata = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-checked_at", "-pk"]
        indexes = [models.Index(fields=["service", "-checked_at"], name="service_result_recent")]
        constraints = [
            models.CheckConstraint(
                condition=Q(attempt__gte=1), name="service_result_attempt_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service} {self.checked_at:%Y-%m-%d %H:%M} {self.state} {self.state_type}"
