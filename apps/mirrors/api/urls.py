"""Routes of the mirrors API, included under /api/v1/ by portal/api_urls.py."""

from rest_framework.routers import SimpleRouter

from .views import MirrorViewSet

router = SimpleRouter()
router.register("mirrors", MirrorViewSet)

urlpatterns = router.urls
