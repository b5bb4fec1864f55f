from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    verbose_name = "Core"

    def ready(self):
        from .audit import audit_register
        from .models import ApiToken

        # Who did it (apps.core.audit): the rows people change through the services.
        audit_register(ApiToken, exclude_fields=["key_hash", "last_used_at"])
        from . import checks  # noqa: F401  (registers the operators' system checks)
