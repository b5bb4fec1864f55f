"""manage.py ensureadmin: a development login, created once, never in production."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Create the development superuser admin/admin if there is no superuser yet."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("ensureadmin is for development; use createsuperuser.")
        User = get_user_model()
        if not User.objects.filter(is_superuser=True).exists():
            User.objects.create_superuser("admin", "admin@example.org", "admin")
        self.stdout.write(
            self.style.SUCCESS(
                "Admin login: http://127.0.0.1:8000/admin/  user: admin  password: admin"
            )
        )
