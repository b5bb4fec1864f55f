"""Routes of the mirrors API, included under /api/v1/ by portal/api_urls.py."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .master import MasterAPIView
from .msync import MirrorTreeAPIView, MsyncAPIView
from .parts import MaintenanceWindowViewSet, MirrorURLViewSet, NetblockViewSet
from .records import (
    CheckViewSet,
    ImageStateViewSet,
    PushViewSet,
    RepositoryStateViewSet,
    SweepViewSet,
)
from .traffic import MirrorTrafficReportView
from .views import MirrorViewSet

router = SimpleRouter()
router.register("mirrors", MirrorViewSet, basename="mirror")
router.register("mirror-urls", MirrorURLViewSet, basename="mirror-url")
router.register("repository-states", RepositoryStateViewSet, basename="repository-state")
router.register("image-states", ImageStateViewSet, basename="image-state")
router.register("checks", CheckViewSet, basename="check")
router.register("sweeps", SweepViewSet, basename="sweep")
router.register("pushes", PushViewSet, basename="push")
router.register("maintenance-windows", MaintenanceWindowViewSet, basename="maintenance-window")
router.register("netblocks", NetblockViewSet, basename="netblock")

urlpatterns = [
    path("mirrors/<int:pk>/traffic/", MirrorTrafficReportView.as_view(), name="mirror-traffic"),
    *router.urls,
    path("msync/", MsyncAPIView.as_view(), name="api-msync"),
    path("mirror-tree/", MirrorTreeAPIView.as_view(), name="api-mirror-tree"),
    path("master/", MasterAPIView.as_view(), name="api-master"),
]
