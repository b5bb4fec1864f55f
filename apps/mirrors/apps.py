from django.apps import AppConfig


class MirrorsConfig(AppConfig):
    name = "apps.mirrors"
    verbose_name = "Mirrors"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (reads new candidates' images)
