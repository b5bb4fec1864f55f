from django.apps import AppConfig


class InfraConfig(AppConfig):
    name = "apps.infra"
    verbose_name = "Infrastructure as YAML"
