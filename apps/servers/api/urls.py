"""Routes of the servers API, included under /api/v1/ by portal/api_urls.py."""

from rest_framework.routers import SimpleRouter

from .views import ServerViewSet

router = SimpleRouter()
router.register("servers", ServerViewSet)

urlpatterns = router.urls
