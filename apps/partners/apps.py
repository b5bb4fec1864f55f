from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "apps.partners"
    verbose_name = "Approved partners"

    def ready(self) -> None:
        from apps.core.audit import audit_register

        from .models import Partner

        # Who did it (apps.core.audit): applications, approvals, rejections, links.
        audit_register(Partner, exclude_fields=["modified"])
