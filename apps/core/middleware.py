"""Every answer under /api/ is JSON: Django's own error pages (an unknown path, a crash)
become {"detail": ...}, and a database that does not answer is a 503 with Retry-After
rather than a 500, so scripts can tell "try again" from "you are wrong"."""

from __future__ import annotations

import logging
from http import HTTPStatus

from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from rest_framework.response import Response

log = logging.getLogger(__name__)

API_PREFIX = "/api/"
DATABASE_DOWN = "The database is unavailable; try again shortly."
RETRY_AFTER_SECONDS = 30


def database_unavailable() -> JsonResponse:
    """The 503 a client gets while the database is down."""
    response = JsonResponse({"detail": DATABASE_DOWN}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class ApiErrorsMiddleware:
    """For paths under /api/: a database outage raised by a view is a 503 JSON answer, and
    any other error answer that is not already the API's own (DRF's Response, which also
    renders the browsable API's pages) is replaced by JSON with the same status."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.path_info.startswith(API_PREFIX)
            and response.status_code >= 400
            and not isinstance(response, Response)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            return self._as_json(response)
        return response

    def process_exception(self, request, exception):
        if request.path_info.startswith(API_PREFIX) and isinstance(
            exception, (OperationalError, InterfaceError)
        ):
            log.error(
                "The database is unavailable for %s %s: %s: %s",
                request.method,
                request.path_info,
                type(exception).__name__,
                exception,
            )
            return database_unavailable()
        return None  # Django's handling: logged, mailed, then the 500 becomes JSON above

    @staticmethod
    def _as_json(response) -> JsonResponse:
        status = response.status_code
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Error"
        detail = {404: "Not found.", 500: "Server error."}.get(status, f"{phrase}.")
        answer = JsonResponse({"detail": detail}, status=status)
        for header in ("Retry-After", "Allow", "WWW-Authenticate", "Location"):
            if header in response:
                answer[header] = response[header]
        return answer
