from django.apps import AppConfig


class SponsorsConfig(AppConfig):
    name = "apps.sponsors"
    verbose_name = "Sponsors"
