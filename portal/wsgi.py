"""WSGI entry point for the portal.

The delivery front (apps.delivery.front) answers /mirrorlist, /metalink, the ISO redirects
and /healthz from the in-memory snapshot and hands every other request to Django. Django's
request handler (its middleware, and the URL conf it loads) is built on the first request
the front hands on: a worker that only serves the delivery paths never imports it.
"""

import os
import threading

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

django.setup(set_prefix=False)

from apps.core.staticfiles import manifest_problem  # noqa: E402  (needs Django set up)

# DEBUG=False renders every page through the staticfiles manifest: refuse to start without
# it (one line in the server's log; the server exits) rather than answer 500 to every page.
if (_problem := manifest_problem()) is not None:
    raise SystemExit(_problem)


class LazyDjango:
    """Django's WSGI handler, built (middleware loaded) when the first request needs it."""

    def __init__(self):
        self.handler = None
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        handler = self.handler
        if handler is None:
            with self._lock:
                if self.handler is None:
                    from django.core.handlers.wsgi import WSGIHandler

                    self.handler = WSGIHandler()  # get_wsgi_application() without setup again
                handler = self.handler
        return handler(environ, start_response)


django_application = LazyDjango()

from apps.delivery.runtime import front_build  # noqa: E402  (needs Django set up)

application = front_build(django_application)
# Load the snapshot (its file copy, else one poll) now, before the server sends the worker
# any request; a worker forked after this loads again in its own process on first use.
application.store.ensure_started()
