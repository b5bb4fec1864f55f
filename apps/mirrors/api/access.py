"""Who sees and who changes what through the mirrors API.

Reads show what the public pages show: approved, public mirrors (the status page's list)
and what belongs to them. A mirror's people (its owner and co-owners) also see their own
mirrors whatever their approval, and staff see everything. Writes: a mirror that is not
visible to the caller answers 404; a visible mirror that is not theirs answers 403.
"""

from __future__ import annotations

from rest_framework import permissions

from ..models import Mirror
from ..selectors import mirror_public_list

ALL = None  # "every mirror", for staff


def is_staff(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_staff)


def mirrors_visible(user):
    """The mirrors `user` may read: the public list's, their own, or (staff) all."""
    if is_staff(user):
        return Mirror.objects.all()
    public = mirror_public_list().values("pk")
    if not getattr(user, "is_authenticated", False):
        return Mirror.objects.filter(pk__in=public)
    own = Mirror.objects.managed_by(user).values("pk")
    return Mirror.objects.filter(pk__in=public) | Mirror.objects.filter(pk__in=own)


def mirrors_managed(user):
    """The mirrors `user` may change: their own and co-owned ones, or (staff) all."""
    if is_staff(user):
        return Mirror.objects.all()
    if not getattr(user, "is_authenticated", False):
        return Mirror.objects.none()
    return Mirror.objects.filter(pk__in=Mirror.objects.managed_by(user).values("pk"))


def managed_ids(user) -> set[int] | None:
    """The ids of the mirrors `user` manages (one query), or ALL for staff."""
    if is_staff(user):
        return ALL
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(Mirror.objects.managed_by(user).values_list("pk", flat=True))


def manages(user, mirror_id: int) -> bool:
    return is_staff(user) or (
        getattr(user, "is_authenticated", False)
        and Mirror.objects.managed_by(user).filter(pk=mirror_id).exists()
    )


class ManagesMirror(permissions.IsAuthenticatedOrReadOnly):
    """Reads for anyone (the queryset decides what they see); writes for the people of the
    object's mirror and for staff. The object is a mirror or something with `.mirror_id`."""

    message = "Only the mirror's people and the mirror admins may change it."

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        mirror_id = obj.pk if isinstance(obj, Mirror) else obj.mirror_id
        return manages(request.user, mirror_id)


class IsStaff(permissions.BasePermission):
    """Staff only; anyone else is told so (401 when not signed in, else 403)."""

    message = "Only the mirror admins may do this."

    def has_permission(self, request, view) -> bool:
        if not getattr(request.user, "is_authenticated", False):
            return False
        return request.user.is_staff
