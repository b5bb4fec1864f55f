"""Routes of the servers API, included under /api/v1/ by portal/api_urls.py."""

from rest_framework.routers import SimpleRouter

from .views import RoleViewSet, ServerViewSet

router = SimpleRouter()
router.register("servers", ServerViewSet, basename="server")
router.register("server-roles", RoleViewSet, basename="server-role")

urlpatterns = router.urls
