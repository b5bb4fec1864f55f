"""Reads of the sponsors app: the list by kind, and what each sponsor gives, for its
promotion page."""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, Count, IntegerField, Q, Sum, Value, When
from django.utils import timezone

from apps.mirrors.choices import MirrorStatus
from apps.mirrors.models import MirrorTraffic, approved_q
from apps.servers.choices import ServerStatus
from apps.servers.models import ServerTraffic
from apps.servers.selectors.traffic import busiest_week, weeks_from_days

from .charts import bytes_label, traffic_chart
from .choices import SPONSOR_KIND_GROUPS
from .models import Sponsor


def sponsor_list(*, active_only: bool = True):
    """Sponsors in the order of the list page, with what they give: by kind, and in a kind
    those who give the most servers, then mirrors, first."""
    qs = Sponsor.objects.all()
    if active_only:
        qs = qs.active()
    kind_order = Case(
        *(When(kind=kind, then=Value(i)) for i, kind in enumerate(SPONSOR_KIND_GROUPS)),
        default=Value(len(SPONSOR_KIND_GROUPS)),
        output_field=IntegerField(),
    )
    return qs.annotate(
        server_count=Count(
            "servers", filter=~Q(servers__status=ServerStatus.RETIRED), distinct=True
        ),
        mirror_count=Count(
            "mirrors",
            filter=approved_q("mirrors__") & Q(mirrors__owner_active=True),
            distinct=True,
        ),
        kind_order=kind_order,
    ).order_by("kind_order", "-server_count", "-mirror_count", "name")


def sponsor_groups(sponsors) -> list[dict]:
    """`sponsors` (ordered by kind) as one group per kind, with the group's heading."""
    groups: list[dict] = []
    for sponsor in sponsors:
        if not groups or groups[-1]["kind"] != sponsor.kind:
            heading = SPONSOR_KIND_GROUPS.get(sponsor.kind, sponsor.get_kind_display())
            groups.append({"kind": sponsor.kind, "heading": heading, "sponsors": []})
        groups[-1]["sponsors"].append(sponsor)
    return groups


def sponsor_contribution(sponsor: Sponsor, *, days: int = 30, today=None) -> dict:
    """What a sponsor gives: its servers and their roles, its mirrors with their uptime
    over `days` days (from the daily check summaries) and countries, the bandwidth it all
    adds up to, and the traffic its servers carried day by day."""
    today = today or timezone.now().date()
    first = today - dt.timedelta(days=days - 1)
    servers = list(sponsor.servers.in_service().prefetch_related("roles").order_by("hostname"))
    mirrors = list(
        sponsor.mirrors.active()
        .annotate(
            checks_run=Sum("check_days__checks", filter=Q(check_days__day__gte=first)),
            checks_failed=Sum("check_days__failures", filter=Q(check_days__day__gte=first)),
        )
        .order_by("country", "name")
    )
    for mirror in mirrors:
        mirror.uptime = _percent(mirror.checks_run, mirror.checks_failed)
    checks = sum(m.checks_run or 0 for m in mirrors)
    failed = sum(m.checks_failed or 0 for m in mirrors)
    # A mirror on a donated server uses that server's uplink: count it once.
    bandwidth = sum(s.bandwidth_mbps or 0 for s in servers) + sum(
        m.bandwidth_mbps or 0 for m in mirrors if m.server_id is None
    )
    countries = sorted({m.country for m in mirrors if m.country}, key=lambda c: c.name)
    server_days, mirror_days = _days_sent(sponsor)
    per_day = {d: v for d, v in server_days.items() if first <= d <= today}
    traffic_total = sum(per_day.values())
    mirror_per_day = {d: v for d, v in mirror_days.items() if first <= d <= today}
    mirror_traffic_total = sum(mirror_per_day.values())
    roles = sorted({str(role) for server in servers for role in server.roles.all()})
    return {
        "servers": servers,
        "server_roles": roles,
        "mirrors": mirrors,
        "mirrors_up": sum(1 for m in mirrors if m.status == MirrorStatus.UP),
        "uptime": _percent(checks, failed),
        "countries": countries,
        "country_codes": [c.code for c in countries],
        "bandwidth_mbps": bandwidth,
        "traffic_chart": traffic_chart(per_day, first=first, days=days),
        "traffic_days": days,
        "traffic_total": traffic_total,
        "traffic_total_label": bytes_label(traffic_total),
        "mirror_traffic_chart": traffic_chart(mirror_per_day, first=first, days=days),
        "mirror_traffic_total": mirror_traffic_total,
        "mirror_traffic_total_label": bytes_label(mirror_traffic_total),
        # The week its servers and its mirrors' reports together sent the most, with the
        # release it followed ("4.4 week: 20.74 TB").
        "busiest_week": busiest_week(
            weeks_from_days(
                {
                    d: server_days.get(d, 0) + mirror_days.get(d, 0)
                    for d in {*server_days, *mirror_days}
                }
            )
        ),
    }


def _days_sent(sponsor: Sponsor) -> tuple[dict, dict]:
    """Bytes sent per day, ever, by the sponsor's servers and by its mirrors (as reported)."""
    servers = ServerTraffic.objects.filter(server__sponsor=sponsor)
    mirrors = MirrorTraffic.objects.filter(mirror__sponsor=sponsor)
    return tuple(
        dict(qs.values_list("day").annotate(Sum("bytes_out")).order_by("day"))
        for qs in (servers, mirrors)
    )


def _percent(checks: int | None, failed: int | None) -> float | None:
    """The share of checks that succeeded, in per cent; None where nothing was checked."""
    return round(100 * (checks - (failed or 0)) / checks, 1) if checks else None


def sponsor_editable_by(*, sponsor: Sponsor, user) -> bool:
    """Whether `user` may change the sponsor's logo: one of its contacts, or staff."""
    return Sponsor.objects.managed_by(user).filter(pk=sponsor.pk).exists()


def sponsor_active_count() -> int:
    return Sponsor.objects.active().count()
