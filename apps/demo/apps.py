from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data of the 2007 talk (`loaddemo`); nothing else imports this app."""

    name = "apps.demo"
    verbose_name = "Demo data"
