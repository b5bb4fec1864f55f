"""The public mirror lists: the summary and map by country, a page per country, and the
status of every mirror, and a mirror's own page."""

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django_countries import countries

from apps.core.page_parts import page_parts

from ..filters import MirrorFilterSet
from ..selectors import (
    mirror_detail,
    mirror_propagation,
    mirror_public_list,
    push_chart,
    push_summaries,
)
from ..selectors.lists import mirror_country_list, mirror_country_summary, mirror_status_rows
from ..selectors.moderation import mirror_visible_to
from ..selectors.owners import mirror_owner_panel
from ..selectors.pages import run_a_mirror_facts
from ..selectors.staging import staged_progress_list
from ..selectors.states import listing_state_of, listing_states
from ..selectors.tree import mirror_tree
from ..worldmap import world_map

STATUS_PAGE_SIZE = 50


def mirror_index(request):
    """Mirrors by country: the map and the "Mirror Locations" table, filtered like the API."""
    filterset = MirrorFilterSet(request.GET, queryset=mirror_public_list())
    summary = mirror_country_summary(filterset.qs) if filterset.is_valid() else []
    context = {
        "filter": filterset,
        "summary": summary,
        "mirror_count": sum(row["count"] for row in summary),
        "up_count": sum(row["up"] for row in summary),
        "map": world_map(summary),
    }
    return render(request, "mirrors/mirror_list.html", context)


def _with_states(page) -> None:
    """Give each mirror of the page its place in the one state vocabulary (two queries)."""
    states = listing_states(page.object_list)
    for mirror in page.object_list:
        mirror.listing = states[mirror.pk]


def mirror_country(request, cc: str):
    """One country's mirrors: their state, protocols and when they were last verified."""
    code = cc.upper()
    if code not in countries:
        raise Http404(f"No country {cc!r}.")
    mirrors = mirror_country_list(mirror_public_list(), code)
    page = Paginator(mirrors, STATUS_PAGE_SIZE).get_page(request.GET.get("page"))
    _with_states(page)
    context = {"country": code, "country_name": countries.name(code), "page": page, "query": ""}
    return render(request, "mirrors/mirror_country.html", context)


def mirror_status(request):
    """Every mirror with up/down, lag and last check: sortable, filterable, paginated; and
    how fast the mirrors followed the master's last pushes."""
    filterset = MirrorFilterSet(request.GET, queryset=mirror_status_rows(mirror_public_list()))
    page = None
    if filterset.is_valid():
        page = Paginator(filterset.qs, STATUS_PAGE_SIZE).get_page(request.GET.get("page"))
        _with_states(page)
    query = request.GET.copy()
    query.pop("page", None)
    unsorted = query.copy()
    unsorted.pop("sort", None)
    pushes = push_summaries()
    context = {
        "filter": filterset,
        "page": page,
        "query": query.urlencode(),
        "unsorted": unsorted.urlencode(),
        "sort": request.GET.get("sort", ""),
        "pushes": pushes,
        "push_chart": push_chart(pushes),
        "recheck_minutes": round(settings.MIRROR_PUSH_RECHECK_WINDOW_SECONDS / 60),
        "staged": staged_progress_list(),
    }
    return render(request, "mirrors/mirror_status.html", context)


def mirror_tree_page(request):
    """The sync tree: masters, internal mirrors, external mirrors, with each one's state and
    lag; a stale upstream and everything under it stand out."""
    return render(request, "mirrors/mirror_tree.html", {"tree": mirror_tree()})


def run_a_mirror(request):
    """The invitation to run a mirror: what it needs, how registration and checks work."""
    return render(request, "mirrors/run_a_mirror.html", run_a_mirror_facts())


def mirror_page(request, pk: int):
    """A mirror, what it carries and how its checks went, and whether the lists send clients
    to it now for each repository and ISO, or why not (that part is delivery's: its loaded
    snapshot, apps.core.page_parts). Public for approved public mirrors; its people and staff
    also see it pending, rejected, disabled or private (others get a 404)."""
    mirror = get_object_or_404(
        mirror_visible_to(request.user).select_related("sponsor", "upstream", "owner"), pk=pk
    )
    context = mirror_detail(mirror)
    context["propagation"] = mirror_propagation(mirror=mirror)  # how fast it follows pushes
    context.update(page_parts("mirrors:detail", mirror=mirror))
    context["state"] = listing_state_of(mirror, context["repository_states"])
    # What the checks found is only fresh while the mirror is up and approved.
    context["states_fresh"] = mirror.is_serving
    context.update(mirror_owner_panel(mirror=mirror, user=request.user))  # its people's actions
    return render(request, "mirrors/mirror_detail.html", context)
