from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "apps.delivery"
    verbose_name = "Delivery"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the rebuild triggers)
