"""The pages of the delivery app: the ISO folder page people see (the redirect itself is
answered by the lean front) and the usage chart for staff."""

from __future__ import annotations

import datetime as dt

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render

from . import runtime
from .front import CLI_AGENTS
from .selectors import usage_totals
from .snapshot import Client

# The nearest mirrors of each group are listed; a page of 10,000 links helps nobody.
PAGE_GROUP_LIMIT = 40


def current_snapshot():
    """The process's loaded snapshot (starting its poller if needed), or None."""
    store = runtime.store()
    store.ensure_started()
    return store.snapshot


def request_client(request) -> Client:
    locator = runtime.locator()
    ip = request.GET.get("ip") or locator.address(request.META)
    return locator.client(ip, country=request.GET.get("cc") or request.GET.get("country"))


def _text(status: int, message: str) -> HttpResponse:
    return HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")


def iso_folder(request, release: str, arch: str):
    """ "Mirrors verified <time>": the mirrors that have this folder's ISOs, by closeness."""
    snapshot = current_snapshot()
    if snapshot is None:
        return _text(503, "no mirror snapshot loaded yet; try again shortly")
    target, reason = snapshot.folder_target(release, arch)
    if target is None:
        return _text(404, reason)
    client = request_client(request)
    if CLI_AGENTS.match(request.headers.get("User-Agent", "")):
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
    }
    return render(request, "delivery/iso_folder.html", context)


@staff_member_required
def usage_chart(request):
    """Answers per day over the last 30 days, and the top countries, releases and files."""
    totals = usage_totals(days=30)
    for key in ("days", "countries", "releases", "files", "repos", "kinds"):
        top = max((row["total"] for row in totals[key]), default=0) or 1
        for row in totals[key]:
            row["share"] = round(100 * row["total"] / top)
    return render(request, "delivery/usage.html", {"totals": totals})
