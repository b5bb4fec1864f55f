"""The pages of the delivery app: the ISO folder page people see (the redirect itself is
answered by the lean front) and the usage chart for staff; and the parts of other apps'
pages drawn from delivery (what the snapshot answers of a mirror, the answers counted for a
sponsor's countries), registered in DeliveryConfig.ready (apps.core.page_parts)."""

from __future__ import annotations

import datetime as dt

from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render

from apps.core.charts import bar_chart, count_label
from apps.core.geo import COUNTRIES

from .. import runtime
from ..answer_share import answers_to_mirrors
from ..front import CLI_AGENTS
from ..replies import CHECKSUM_NAME
from ..selectors import usage_from_countries, usage_totals
from ..snapshot import Client

# The nearest mirrors of each group are listed; a page of 10,000 links helps nobody.
PAGE_GROUP_LIMIT = 40


def listing_groups(listing) -> list[dict]:
    """The listing's rows by release, newest first, each with how many are listed: the
    mirror page shows these sums and folds the rows."""
    groups: dict[str, dict] = {}
    for row in listing.rows if listing else ():
        group = groups.setdefault(row.release, {"release": row.release, "rows": [],
                                                "repos": [0, 0], "images": [0, 0]})  # fmt: skip
        group["rows"].append(row)
        tally = group["repos" if row.kind == "repository" else "images"]
        tally[0] += row.listed
        tally[1] += 1

    def newest(version: str) -> list[int]:
        return [int(p) for p in version.split(".") if p.isdigit()]

    return sorted(groups.values(), key=lambda g: newest(g["release"]), reverse=True)


def folder_switches(snapshot, release: str, arch: str) -> dict:
    """The releases and, for the one shown, the architectures that have ISO images: the
    Download page's switches. Another release links to the same architecture if it has it."""
    folders: dict[str, list[str]] = {}
    for key in snapshot.folders:
        version, _, name = key.partition("/")
        folders.setdefault(version, []).append(name)

    def newest(version: str) -> list[int]:
        return [int(p) for p in version.split(".") if p.isdigit()]

    releases = [
        {"version": v, "arch": arch if arch in names else sorted(names)[0], "current": v == release}
        for v, names in sorted(folders.items(), key=lambda kv: newest(kv[0]), reverse=True)
    ]
    return {"switch_releases": releases, "switch_arches": sorted(folders.get(release, []))}


def current_snapshot():
    """The process's loaded snapshot (starting its poller if needed), or None."""
    store = runtime.store()
    store.ensure_started()
    return store.snapshot


def request_client(request) -> Client:
    """Who the page or the API chooses for: ip= and cc= as the front reads them (staff may
    stand in for any address's netblock and ASN, as DELIVERY_IP_OVERRIDE_NETWORKS may)."""
    locator = runtime.locator()
    user = getattr(request, "user", None)
    return locator.client_for(
        locator.address(request.META),
        request.GET.get("ip"),
        country=request.GET.get("cc") or request.GET.get("country"),
        trusted=bool(user is not None and user.is_staff),
    )


def _text(status: int, message: str) -> HttpResponse:
    return HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")


def iso_folder(request, release: str, arch: str):
    """ "Mirrors verified <time>": the mirrors that have this folder's ISOs, by closeness."""
    snapshot = current_snapshot()
    if snapshot is None:
        return _text(503, "no mirror snapshot loaded yet; try again shortly")
    target, reason = snapshot.folder_target(release, arch)
    cli = CLI_AGENTS.match(request.headers.get("User-Agent", ""))
    if target is None:
        if cli:
            return _text(404, reason)
        raise Http404(reason)  # a person's browser: the site's 404 page, with the reason
    client = request_client(request)
    if cli:
        choices = snapshot.draw(target, client, count=1)
        if not choices:
            return HttpResponse("No mirror has these images now.\n", status=503,
                                content_type="text/plain")  # fmt: skip
        return HttpResponseRedirect(choices[0].url)
    files = snapshot.folder_files[target.key]
    context = {
        "release": target.release,
        "arch": arch,
        "verified_at": dt.datetime.fromtimestamp(snapshot.built_at, tz=dt.UTC),
        "client": client,
        "eol": target.eol,
        "vault_url": snapshot.vault_url + target.path,
        "groups": {
            name: {
                "shown": choices[:PAGE_GROUP_LIMIT],
                "more": max(0, len(choices) - PAGE_GROUP_LIMIT),
            }
            for name, choices in (
                snapshot.folder_groups(target, client) if not target.eol else {}
            ).items()
        },
        "files": files,
        "countries": country_choices(),
        "checksum_name": CHECKSUM_NAME,
        **folder_switches(snapshot, target.release, arch),
    }
    return render(request, "delivery/iso_folder.html", context)


def mirror_listing_part(*, mirror, **_) -> dict:
    """The part of a mirror's page (apps.mirrors.views.mirror_page) drawn from the loaded
    snapshot: whether the lists send clients to it now, for each repository and ISO, or why
    not (registered in DeliveryConfig.ready)."""
    snapshot = current_snapshot()
    listing = snapshot.listing_for(mirror.pk) if snapshot else None
    return {"listing": listing, "listing_groups": listing_groups(listing)}


def sponsor_usage_part(*, countries, mirror_ids=(), **_) -> dict:
    """The part of a sponsor's page (apps.sponsors.views.sponsor_page): the answers counted
    for the countries its mirrors are in, and which of them named its mirrors first:
    estimated from the snapshot's draw weights and the answers counted per country (the
    front counts no mirror; apps/delivery/answer_share)."""
    share = answers_to_mirrors(mirror_ids=list(mirror_ids)) if mirror_ids else None
    if share is not None:
        share["chart"] = bar_chart(share["days"], unit=count_label)
        share["percent"] = round(100 * share["estimated"] / share["counted"], 1)
        share["span"] = f"{share['since']:%-d %b %Y} to {share['until']:%-d %b %Y}"
    return {"usage": usage_from_countries(countries=countries), "answer_share": share}


def country_choices() -> list[tuple[str, str]]:
    """(code, name) of every country by name, for the page's country picker."""
    return sorted(((code, c.name) for code, c in COUNTRIES.items()), key=lambda p: p[1])


@staff_member_required
def usage_chart(request):
    """Answers per day over the last 30 days, and the top countries, releases and files."""
    totals = usage_totals(days=30)
    totals["days_top"] = max((row["total"] for row in totals["days"]), default=0)
    totals["days_half"] = totals["days_top"] // 2
    for key in ("days", "countries", "releases", "files", "repos", "kinds"):
        top = max((row["total"] for row in totals[key]), default=0) or 1
        for row in totals[key]:
            row["share"] = round(100 * row["total"] / top)
    return render(request, "delivery/usage.html", {"totals": totals})
