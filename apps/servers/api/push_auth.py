"""How a server pushes its readings: `Authorization: Token srv_…`, a key issued for that
server alone (admin, or `manage.py serverpushkey`). A view that takes pushes sets
`authentication_classes = [ServerPushAuthentication]` and `permission_classes =
[PushesForThisServer]`; request.auth is then the ServerPushToken and its .server the
server the key may write."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from apps.core.api import token_key

from ..services.push_tokens import push_token_for_key, push_token_touch


class ServerPushAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        key = token_key(request)
        if key is None:
            return None
        token = push_token_for_key(key)
        if token is None:
            raise exceptions.AuthenticationFailed("Unknown server push key.", code="key_unknown")
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(
                "This server push key was revoked.", code="key_revoked"
            )
        push_token_touch(token=token)
        return AnonymousUser(), token

    def authenticate_header(self, request) -> str:
        return 'Token realm="server-push"'


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
