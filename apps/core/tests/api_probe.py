"""A test-only URLconf: the portal's URLs plus a few API views under /api/v1/_probe/ that
say who is asking, require a login or staff, raise each kind of error, read the database,
or carry an action's throttle scope; the API tests use it with @pytest.mark.urls."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import path
from rest_framework.permissions import AllowAny, IsAdminUser, IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from apps.core.api import Conflict, ScopedRateThrottle
from portal.urls import handler404, handler500
from portal.urls import urlpatterns as portal_urlpatterns

URLCONF = __name__
PROBE = "/api/v1/_probe/"


class WhoAmI(APIView):
    """Who the request is authenticated as, and by what."""

    permission_classes = [AllowAny]

    def get(self, request):
        token = getattr(request.auth, "prefix", None)
        return Response(
            {
                "user": request.user.get_username() or None,
                "by": "token" if token else ("other" if request.user.is_authenticated else None),
                "token": token,
            }
        )


class Write(APIView):
    permission_classes = [IsAuthenticated]

    def post(self, request):
        return Response({"written": True}, status=201)


class StaffOnly(APIView):
    permission_classes = [IsAdminUser]

    def post(self, request):
        return Response({"written": True}, status=201)


class Fail(APIView):
    """Raise what ?with= names, as a service or a view would."""

    permission_classes = [AllowAny]

    def get(self, request):
        kind = request.query_params.get("with")
        if kind == "field":
            raise ValidationError({"name": ["A mirror with this name exists."]})
        if kind == "plain":
            raise ValidationError("The window ends before it starts.")
        if kind == "conflict":
            raise Conflict("The mirror is already approved.")
        raise RuntimeError("boom")


class ReadDatabase(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        return Response({"people": get_user_model().objects.count()})


class Check(APIView):
    """An action with its own rate, as the mirror-check action has."""

    permission_classes = [AllowAny]
    throttle_classes = [*api_settings.DEFAULT_THROTTLE_CLASSES, ScopedRateThrottle]
    throttle_scope = "mirror-check"

    def get(self, request):
        return Response({"queued": True})


urlpatterns = [
    path("api/v1/_probe/whoami/", WhoAmI.as_view()),
    path("api/v1/_probe/write/", Write.as_view()),
    path("api/v1/_probe/staff/", StaffOnly.as_view()),
    path("api/v1/_probe/fail/", Fail.as_view()),
    path("api/v1/_probe/db/", ReadDatabase.as_view()),
    path("api/v1/_probe/check/", Check.as_view()),
    *portal_urlpatterns,
]
__all__ = ["handler404", "handler500"]
