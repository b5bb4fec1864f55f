from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "apps.partners"
    verbose_name = "Approved partners"

    def ready(self) -> None:
        from apps.core.page_parts import page_part_register

        from .selectors import partner_for_sponsor

        # A sponsor's page links its entry in the partner directory.
        page_part_register(
            "sponsors:detail", lambda *, sponsor, **_: {"partner": partner_for_sponsor(sponsor)}
        )
