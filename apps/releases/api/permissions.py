"""Who may write through the catalogue APIs (releases, images, servers, sponsors, publishing):
anyone reads what the public pages show; only staff write. Without credentials a write is a
401, with someone else's a 403."""

from rest_framework import permissions


class StaffWritesOrReadOnly(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)


def is_staff(request) -> bool:
    user = getattr(request, "user", None)
    return bool(user and user.is_authenticated and user.is_staff)
