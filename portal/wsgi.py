"""WSGI entry point for the portal.

The delivery front (apps.delivery.front) answers /mirrorlist, /metalink, the ISO redirects
and /healthz from the in-memory snapshot and hands every other request to Django.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

django_application = get_wsgi_application()

from apps.delivery.front import front_from_settings  # noqa: E402  (needs Django set up)

application = front_from_settings(django_application)
