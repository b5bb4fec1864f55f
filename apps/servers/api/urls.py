"""Routes of the servers API, included under /api/v1/ by portal/api_urls.py."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .traffic import ServerTrafficPushView
from .views import RoleViewSet, ServerViewSet

router = SimpleRouter()
router.register("servers", ServerViewSet, basename="server")
router.register("server-roles", RoleViewSet, basename="server-role")

urlpatterns = [
    path("servers/<str:hostname>/traffic/", ServerTrafficPushView.as_view(), name="server-traffic"),
    *router.urls,
]
