"""The REST API (v1) and its OpenAPI schema."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from apps.mirrors.api.views import MirrorViewSet
from apps.releases.api.views import ArchitectureViewSet, ImageViewSet, ReleaseViewSet
from apps.servers.api.views import ServerViewSet
from apps.sponsors.api.views import SponsorViewSet

router = DefaultRouter()
router.register("releases", ReleaseViewSet)
router.register("architectures", ArchitectureViewSet)
router.register("images", ImageViewSet)
router.register("sponsors", SponsorViewSet)
router.register("servers", ServerViewSet)
router.register("mirrors", MirrorViewSet)

urlpatterns = [
    path("v1/", include(router.urls)),
    path("v1/", include("apps.delivery.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]
