"""The inventory for infrastructure as code (staff only): Ansible's dynamic inventory and the
node a Puppet ENC classifies. contrib/ansible_inventory.py and contrib/puppet_enc.py read them."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from ..selectors.inventory import ansible_inventory, puppet_node


class AnsibleInventoryView(APIView):
    """The servers in service as Ansible's dynamic-inventory JSON: groups `role_*`,
    `country_*`, `continent_*`, `sponsor_*`, `health_*`, `status_*`, and `_meta.hostvars`."""

    permission_classes = [IsAdminUser]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request, format=None):
        return Response(ansible_inventory())


class PuppetNodeView(APIView):
    """One server in service as a Puppet ENC classifies it: `classes`, `parameters`,
    `environment`. 404 for a server the inventory does not hold."""

    permission_classes = [IsAdminUser]

    @extend_schema(
        responses={200: OpenApiTypes.OBJECT, 404: OpenApiResponse(description="Unknown node.")}
    )
    def get(self, request, hostname: str, format=None):
        node = puppet_node(hostname)
        if node is None:
            raise NotFound(f"No server in service is called {hostname!r}.")
        return Response(node)
