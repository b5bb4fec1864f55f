from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "apps.partners"
    verbose_name = "Approved partners"

    def ready(self) -> None:
        from apps.core.audit import audit_register
        from apps.core.page_parts import page_part_register

        from .models import Partner
        from .selectors import partner_for_sponsor

        # Who did it (apps.core.audit): applications, approvals, rejections, links.
        audit_register(Partner, exclude_fields=["modified"])
        # A sponsor's page links its entry in the partner directory.
        page_part_register(
            "sponsors:detail", lambda *, sponsor, **_: {"partner": partner_for_sponsor(sponsor)}
        )
