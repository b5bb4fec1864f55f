"""WSGI entry point for the portal.

The delivery front (apps.delivery.front) answers /mirrorlist, /metalink, the ISO redirects
and /healthz from the in-memory snapshot and hands every other request to Django.
"""

import os

import django
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

django.setup(set_prefix=False)

from apps.core.staticfiles import manifest_problem  # noqa: E402  (needs Django set up)

# DEBUG=False renders every page through the staticfiles manifest: refuse to start without
# it (one line in the server's log; the server exits) rather than answer 500 to every page.
if (_problem := manifest_problem()) is not None:
    raise SystemExit(_problem)

django_application = get_wsgi_application()

from apps.delivery.runtime import front_build  # noqa: E402  (needs Django set up)

application = front_build(django_application)
# Load the snapshot (its file copy, else one poll) now, before the server sends the worker
# any request; a worker forked after this loads again in its own process on first use.
application.store.ensure_started()
