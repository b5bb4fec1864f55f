from django.apps import AppConfig


class MirrorsConfig(AppConfig):
    name = "apps.mirrors"
    verbose_name = "Mirrors"
