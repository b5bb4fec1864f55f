"""The REST API (v1) and its OpenAPI schema. Each app owns its routes (apps/<app>/api/
urls.py); the root view lists them all."""

from django.urls import include, path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.decorators import api_view, permission_classes, throttle_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.reverse import reverse

APPS = ["releases", "sponsors", "servers", "mirrors", "delivery", "partners"]


def list_route_names() -> list[str]:
    """The URL names of every list route of /api/v1/ ("mirror-list", ...), app by app."""
    names = []
    for app in APPS:
        module = __import__(f"apps.{app}.api.urls", fromlist=["urlpatterns"])
        names += [
            p.name
            for p in module.urlpatterns
            if getattr(p, "name", "").endswith("-list")
            and getattr(p.callback, "actions", {}).get("get") == "list"  # not an action's POST
        ]
    return names


@extend_schema(responses={200: OpenApiTypes.OBJECT})
@api_view(["GET"])
@permission_classes([AllowAny])
@throttle_classes([])
def api_root(request, format=None):
    """The resources of /api/v1/, each with its URL."""
    return Response(
        {
            name.removesuffix("-list"): reverse(name, request=request, format=format)
            for name in sorted(list_route_names())
        }
    )


urlpatterns = [
    path("v1/", api_root, name="api-root"),
    *(path("v1/", include(f"apps.{app}.api.urls")) for app in APPS),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]
