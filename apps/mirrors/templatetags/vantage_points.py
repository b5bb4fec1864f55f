"""{% vantage_points_status %}: on the status page, the places the checks are made from
and when each vantage point last answered; one silent for two sweep intervals is marked
so (its verdicts no longer count). Nothing with no vantage point (the default)."""

from django import template

register = template.Library()


@register.inclusion_tag("mirrors/includes/vantage_points.html")
def vantage_points_status() -> dict:
    from ..models import VantagePoint

    points = list(VantagePoint.objects.filter(enabled=True).order_by("region", "name"))
    return {"points": points, "silent": [p for p in points if p.silent]}
