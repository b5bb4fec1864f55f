"""Pages that compose several apps: the home page, the whole infrastructure at a glance,
and the error pages. Each app answers through one of its selectors."""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader

from apps.core.middleware import RETRY_AFTER_SECONDS
from apps.mirrors.selectors import mirror_counts_by_country, mirror_network_summary
from apps.releases.choices import ReleaseStatus
from apps.releases.selectors import release_served_list
from apps.servers.selectors import server_in_service_count
from apps.sponsors.selectors import sponsor_active_count

log = logging.getLogger(__name__)


def home(request):
    releases = list(release_served_list())
    current = [release for release in releases if release.status == ReleaseStatus.CURRENT]
    context = {
        "mirror_stats": mirror_network_summary(),
        "server_count": server_in_service_count(),
        "sponsor_count": sponsor_active_count(),
        "releases": releases,
        "newest_release": (current or releases or [None])[0],
        "chart": mirror_counts_by_country()[:15],
    }
    return render(request, "home.html", context)


def page_not_found(request, exception):
    """The 404 page in the site's layout; a view's own message (Http404("...")) is shown."""
    message = exception.args[0] if exception and exception.args else ""
    context = {"exception_message": message if isinstance(message, str) else ""}
    return render(request, "404.html", context, status=404)


def server_error(request):
    """A static page: whatever broke may be what a full page would need. A database that
    does not answer (raised by a view or a middleware: the session, the user) is a 503 with
    Retry-After in the site's layout, rendered without the request so it needs no database."""
    exception = sys.exc_info()[1]
    if isinstance(exception, (OperationalError, InterfaceError)):
        log.error("The database is unavailable for %s %s: %s", request.method, request.path,
                  exception)  # fmt: skip
        try:
            body = loader.get_template("503.html").render()
        except Exception:  # noqa: BLE001  (the layout itself failed: the static page)
            body = loader.get_template("500.html").render()
        response = HttpResponse(body, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return HttpResponseServerError(loader.get_template("500.html").render())
