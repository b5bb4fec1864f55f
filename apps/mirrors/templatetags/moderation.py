"""{% load moderation %}{% pending_mirror_count as waiting %}: how many mirrors wait for
approval, for the count beside Moderation in staff's menu (one query, staff pages only)."""

from django import template

from ..selectors.moderation import mirror_pending_count

register = template.Library()


@register.simple_tag
def pending_mirror_count() -> int:
    return mirror_pending_count()
