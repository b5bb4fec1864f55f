"""Routes of the releases API, included under /api/v1/ by portal/api_urls.py."""

from rest_framework.routers import SimpleRouter

from .lifecycle import BlockerViewSet, CandidateViewSet, ResultViewSet, ValidationCaseViewSet
from .views import (
    ArchitectureViewSet,
    ImageViewSet,
    ReleaseArchitectureViewSet,
    ReleaseViewSet,
    RepositoryVersionViewSet,
    RepositoryViewSet,
)

router = SimpleRouter()
router.register("releases", ReleaseViewSet)
router.register("architectures", ArchitectureViewSet)
router.register("release-architectures", ReleaseArchitectureViewSet)
router.register("repositories", RepositoryViewSet)
router.register("repository-versions", RepositoryVersionViewSet)
router.register("images", ImageViewSet)
router.register("candidates", CandidateViewSet)
router.register("validation-cases", ValidationCaseViewSet)
router.register("validation-results", ResultViewSet)
router.register("blockers", BlockerViewSet)

urlpatterns = router.urls
