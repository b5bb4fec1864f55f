"""How a server pushes its readings: `Authorization: Token srv_…`, a key issued for that
server alone (admin, or `manage.py serverpushkey`). A view that takes pushes sets
`authentication_classes = [ServerPushAuthentication]` and `permission_classes =
[PushesForThisServer]`; request.auth is then the ServerPushToken and its .server the
server the key may write."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions, permissions

from apps.core.api import KeyAuthentication

from ..models import ServerPushToken


class ServerPushAuthentication(KeyAuthentication):
    realm = "server-push"
    unknown = ("Unknown server push key.", "key_unknown")
    revoked = ("This server push key was revoked.", "key_revoked")

    def tokens(self):
        return ServerPushToken.objects.select_related("server")

    def user_of(self, token):
        return AnonymousUser()


class PushesForThisServer(permissions.BasePermission):
    """A push key writes its own server's readings only: the view's `server_for_push()`
    names the server the request is about."""

    message = "This push key belongs to another server."

    def has_permission(self, request, view) -> bool:
        if request.auth is None or not hasattr(request.auth, "server_id"):
            raise exceptions.NotAuthenticated("Send a server push key: 'Token srv_…'.")
        return True

    def has_object_permission(self, request, view, obj) -> bool:
        return getattr(obj, "pk", None) == request.auth.server_id


class ServerPushAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "apps.servers.api.push_auth.ServerPushAuthentication"
    name = "serverPushKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A server's push key, sent as `Token srv_<key>`.",
        }
