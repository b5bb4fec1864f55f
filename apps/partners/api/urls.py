"""Routes of the partners API, included under /api/v1/ by portal/api_urls.py."""

from rest_framework.routers import SimpleRouter

from .views import PartnerApplicationViewSet, PartnerViewSet

router = SimpleRouter()
router.register("partners", PartnerViewSet, basename="partner")
router.register("partner-applications", PartnerApplicationViewSet, basename="partner-application")

urlpatterns = router.urls
