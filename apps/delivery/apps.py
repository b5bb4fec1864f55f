from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "apps.delivery"
    verbose_name = "Delivery"

    def ready(self) -> None:
        from apps.core.page_parts import page_part_register

        from . import receivers  # noqa: F401  (connects the rebuild triggers)
        from .views.pages import mirror_listing_part, sponsor_usage_part

        page_part_register("mirrors:detail", mirror_listing_part)
        page_part_register("sponsors:detail", sponsor_usage_part)
