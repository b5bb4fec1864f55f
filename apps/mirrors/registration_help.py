"""The words the register and edit forms show beside the upstream and URL fields: the
suggested upstream for a country (what the empty choice stands for), and the exact paths the
checks will request under a mirror's URL. Built with format_html: never marked safe by hand."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django_countries import countries

from apps.core.geo import GeoIP
from apps.core.http import FetchError, SafeClient, Slots
from apps.releases.models import Image, Release

from .checks.engine import Probe, ProbeBatch, Target, loop_run, mirror_probe
from .choices import CheckKind, MirrorTier, Protocol
from .services.registration import upstream_suggest
from .validators import mirror_url_validate

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


@functools.lru_cache(maxsize=4)
def _geoip(path: str | None) -> GeoIP:
    return GeoIP(path)


def country_guess(ip: str | None) -> str:
    """The country of the requester's address in the GeoIP database (GEOIP_PATH, else the
    bundled one), to pre-fill the register form; "" when it has no answer (a private
    address, an unknown one, a country the form does not list)."""
    code = _geoip(settings.GEOIP_PATH).country(ip or "") or ""
    return code if code in dict(countries) else ""


def _sample_targets() -> tuple[str | None, str | None]:
    """The paths, under a mirror's URL, of one repository's repomd.xml and one ISO image of
    the newest release (os and x86_64 when it has them): what the help names and the "Test
    this URL" button asks."""
    release = Release.objects.served_by_mirrors().order_by("-major", "-minor").first()
    repomd = image = None
    if release is not None:
        arches = {a.name: a for a in release.architectures.all()}
        arch = arches.get("x86_64") or next(iter(arches.values()), None)
        repo = release.repositories.filter(name="os").first() or release.repositories.first()
        if arch is not None and repo is not None:
            repomd = repo.path_for(release, arch) + "repodata/repomd.xml"
        found = Image.objects.filter(release=release, architecture=arch).order_by("name").first()
        image = found.path if found is not None else None
    return repomd, image


def url_help(base: str | None):
    """The URL fields' help: the exact files the checks request under `base` (the URL typed,
    else an example) for one repository and one image of the newest release."""
    base = (base or "").strip() or EXAMPLE_BASE
    base = base if base.endswith("/") else base + "/"
    repomd, image = _sample_targets()
    stamp = base + settings.MASTER_TIMESTAMP_FILE
    if repomd and image:
        return format_html(
            "The directory that holds the release directories, laid out as on the master. "
            "The checks request <code>{}</code> for the time of its last sync, then for each "
            "repository a file such as <code>{}</code> and for each image a file such as "
            "<code>{}</code>.",
            stamp, base + repomd, base + image,
        )  # fmt: skip
    return format_html(
        "The directory that holds the release directories; the checks first request <code>{}"
        "</code>.",
        stamp,
    )


@dataclass
class TrialLine:
    """One request of the "Test this URL" button, in words: what we asked, what came back."""

    what: str  # "the timestamp file", "a repository's repomd.xml", "an ISO image"
    asked: str
    got: str
    ok: bool

    @property
    def sentence(self) -> str:
        if self.got.startswith("not asked"):
            return f"We did not ask {self.asked}: {self.got.removeprefix('not asked: ')}."
        return f"We asked {self.asked} ({self.what}) and got {self.got}."


@dataclass
class Trial:
    """What the first check would find under the URLs typed, before anything is saved."""

    lines: list[TrialLine] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # URLs not asked, and why
    stopped: bool = False  # no URL served the timestamp file: the rest was not asked

    @property
    def ok(self) -> bool:
        return bool(self.lines) and not self.problems and all(line.ok for line in self.lines)


_WHAT = {CheckKind.TIMESTAMP: "the timestamp file", CheckKind.REPOMD: "a repository's "
         "repomd.xml", CheckKind.IMAGE: "an ISO image, asked with HEAD"}  # fmt: skip


def _got(probe: Probe) -> str:
    result = probe.result
    if result.error == FetchError.FORBIDDEN_TARGET:
        return f"not asked: {result.detail}"
    if result.status:
        text = str(result.status)
        if result.error:
            return f"{text} ({result.detail})" if text not in result.detail else text
        if probe.timestamp is not None:
            stamp = dt.datetime.fromtimestamp(probe.timestamp, tz=dt.UTC)
            text += f": last synced {stamp:%Y-%m-%d %H:%M} UTC"
        elif probe.target.kind == CheckKind.IMAGE and result.content_length is not None:
            text += f": {result.content_length:,} bytes"
        return text
    return result.detail or str(result.error or "no answer")


def url_trial(typed: dict[str, str]) -> Trial:
    """Run the first check on the URLs typed ({protocol: url}), saving nothing: the
    timestamp file on each, then one repository's repomd.xml and one ISO image (HEAD)
    through the one that answered, by the checks' SSRF-safe client (a private address is
    not asked)."""
    trial = Trial()
    urls: list[tuple[int, str]] = []
    for protocol in (Protocol.HTTPS, Protocol.HTTP, Protocol.FTP, Protocol.RSYNC):
        value = (typed.get(protocol) or "").strip()
        if not value:
            continue
        try:
            url = mirror_url_validate(value, protocol)
        except ValidationError as exc:
            trial.problems.append(f"{value}: {exc.messages[0]}")
            continue
        urls.append((len(urls), url if url.endswith("/") else url + "/"))
    if not urls:
        if not trial.problems:
            trial.problems.append("Type the mirror's HTTP or HTTPS URL first.")
        return trial
    repomd, image = _sample_targets()
    targets = [Target(CheckKind.REPOMD, repomd)] if repomd else []
    targets += [Target(CheckKind.IMAGE, image)] if image else []
    probe_batch = ProbeBatch(mirror_id=0, urls=urls, timestamp_path=settings.MASTER_TIMESTAMP_FILE,
                      targets=targets)  # fmt: skip
    outcome = loop_run(mirror_probe(probe_batch, client=SafeClient.from_settings(total=4),
                                    slots=Slots(4)))  # fmt: skip
    for probe in outcome.probes:
        trial.lines.append(TrialLine(_WHAT[probe.target.kind], probe.result.url,
                                     _got(probe), probe.result.ok))  # fmt: skip
    trial.stopped = outcome.url_id is None
    return trial


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
