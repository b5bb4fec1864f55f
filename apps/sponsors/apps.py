from django.apps import AppConfig


class SponsorsConfig(AppConfig):
    name = "apps.sponsors"
    verbose_name = "Sponsors"

    def ready(self) -> None:
        from apps.core.audit import audit_register

        from .models import Sponsor

        # Who did it (apps.core.audit): the rows people change through the services.
        audit_register(Sponsor, exclude_fields=["modified"])
