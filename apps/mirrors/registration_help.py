"""The words the register and edit forms show beside the upstream and URL fields: the
suggested upstream for a country (what the empty choice stands for), and the exact paths the
checks will request under a mirror's URL. Built with format_html: never marked safe by hand."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.html import format_html
from django_countries import countries

from apps.releases.models import Image, Release

from .choices import MirrorTier
from .services.registration import upstream_suggest

EXAMPLE_BASE = "https://mirror.example.org/centos/"


@dataclass
class Suggestion:
    """The upstream suggested for one country, and how the form words it."""

    country: str
    mirror_id: int | None
    name: str
    label: str  # the text of the upstream list's empty choice
    help: str  # plain text (the JSON endpoint's); the form wraps it with format_html

    def as_json(self) -> dict:
        return {"country": self.country, "id": self.mirror_id, "name": self.name,
                "label": self.label, "help": self.help}  # fmt: skip


def suggestion_for(country: str | None) -> Suggestion:
    """What "Syncs from" suggests for `country` (a code; blank: none chosen yet)."""
    code = (country or "").upper()
    if not code or code not in dict(countries):
        return Suggestion(code, None, "", "Suggested for its country (choose it above)",
                          "Choose the mirror's country: we then suggest the nearest healthy, "
                          "current internal mirror to sync from.")  # fmt: skip
    mirror = upstream_suggest(country=code)
    place = countries.name(code)
    if mirror is None:
        return Suggestion(code, None, "", f"For {place}: none healthy now (the admins choose)",
                          "No internal mirror or master is healthy now; the admins pick the "
                          "upstream when they approve it.")  # fmt: skip
    why = (
        "the nearest healthy, current internal mirror"
        if mirror.tier == MirrorTier.INTERNAL
        else "the master, as no internal mirror is healthy and current now"
    )
    return Suggestion(
        code, mirror.pk, mirror.name, f"Suggested for {place}: {mirror.name}",
        f"For {place} we suggest {mirror.name}, {why}. Keep the suggestion or pick another; "
        "what this list shows is what is saved.",
    )  # fmt: skip


def url_help(base: str | None):
    """The URL fields' help: the exact files the checks request under `base` (the URL typed,
    else an example) for one repository and one image of the newest release."""
    base = (base or "").strip() or EXAMPLE_BASE
    base = base if base.endswith("/") else base + "/"
    release = Release.objects.served_by_mirrors().order_by("-major", "-minor").first()
    repomd = image = None
    if release is not None:
        arches = {a.name: a for a in release.architectures.all()}
        arch = arches.get("x86_64") or next(iter(arches.values()), None)
        repo = release.repositories.filter(name="os").first() or release.repositories.first()
        if arch is not None and repo is not None:
            repomd = base + repo.path_for(release, arch) + "repodata/repomd.xml"
        found = Image.objects.filter(release=release, architecture=arch).order_by("name").first()
        image = base + found.path if found is not None else None
    stamp = base + settings.MASTER_TIMESTAMP_FILE
    if repomd and image:
        return format_html(
            "The directory that holds the release directories, laid out as on the master. "
            "The checks request <code>{}</code> for the time of its last sync, then for each "
            "repository a file such as <code>{}</code> and for each image a file such as "
            "<code>{}</code>.",
            stamp, repomd, image,
        )  # fmt: skip
    return format_html(
        "The directory that holds the release directories; the checks first request <code>{}"
        "</code>.",
        stamp,
    )


def carry_grid(form) -> dict:
    """What the carried-content grid shows: one column per release (its checkbox), one row per
    architecture (its checkbox; rows, as there are more of them than releases, so that the grid
    fits a phone), a mark where the release has that architecture; and the ISO
    images grouped by release and architecture, for the fold that narrows them."""
    releases = list(form.fields["releases"].queryset.prefetch_related("architectures"))
    release_boxes = {str(box.data["value"]): box for box in form["releases"]}
    columns = [release_boxes.get(str(release.pk)) for release in releases]
    built = [{str(a.pk) for a in release.architectures.all()} for release in releases]
    rows = [{"box": box, "cells": [str(box.data["value"]) in has for has in built]}
            for box in form["architectures"]]  # fmt: skip
    images: dict[str, list] = {}
    labels = {str(i.pk): f"{i.release.version} {i.architecture.name}"
              for i in form.fields["images"].queryset}  # fmt: skip
    for box in form["images"]:
        images.setdefault(labels.get(str(box.data["value"]), ""), []).append(box)
    narrowed = sum(1 for box in form["images"] if box.data["selected"])
    return {"columns": columns, "rows": rows, "images": images, "narrowed": narrowed}
