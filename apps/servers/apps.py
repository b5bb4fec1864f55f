from django.apps import AppConfig


class ServersConfig(AppConfig):
    name = "apps.servers"
    verbose_name = "Servers"

    def ready(self) -> None:
        from apps.core.audit import audit_register

        from . import models as m

        # Who did it (apps.core.audit): the rows people change through the services, not
        # what the service checks and SNMP polls rewrite every round.
        audit_register(m.Server, exclude_fields=["modified", "condition"])
        audit_register(m.Role)
        audit_register(m.ServerPushToken, exclude_fields=["key_hash", "last_used_at"])
        audit_register(m.SnmpTarget, exclude_fields=["last_polled_at", "last_error"],
                       mask_fields=["community"])  # fmt: skip
