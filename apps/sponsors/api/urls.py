"""Routes of the sponsors API, included under /api/v1/ by portal/api_urls.py."""

from rest_framework.routers import SimpleRouter

from .views import SponsorViewSet

router = SimpleRouter()
router.register("sponsors", SponsorViewSet)

urlpatterns = router.urls
