"""Routes of the servers API, included under /api/v1/ by portal/api_urls.py."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .conditions import ReadingsView, ServiceViewSet
from .inventory import AnsibleInventoryView, PuppetNodeView
from .traffic import ServerTrafficPushView
from .views import RoleViewSet, ServerViewSet

router = SimpleRouter()
router.register("servers", ServerViewSet, basename="server")
router.register("server-roles", RoleViewSet, basename="server-role")
router.register("server-services", ServiceViewSet, basename="server-service")

urlpatterns = [
    path("servers/<str:hostname>/readings/", ReadingsView.as_view(), name="server-readings"),
    path("servers/<str:hostname>/traffic/", ServerTrafficPushView.as_view(), name="server-traffic"),
    path("inventory/ansible/", AnsibleInventoryView.as_view(), name="inventory-ansible"),
    path(
        "inventory/puppet/<str:hostname>/", PuppetNodeView.as_view(), name="inventory-puppet-node"
    ),
    *router.urls,
]
