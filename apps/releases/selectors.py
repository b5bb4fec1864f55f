"""Reads of the releases app: the catalogue, the teams a person belongs to, the validation
matrix of a candidate and what its go still misses."""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import urlsplit

from django.db.models import Prefetch

from .choices import ArchitectureTier, Criterion, Outcome, Team
from .models import (
    Architecture,
    Blocker,
    Image,
    Release,
    ReleaseArchitecture,
    ReleaseCandidate,
    ReleaseEvent,
    ValidationCase,
    ValidationResult,
)

UNTESTED = "untested"


def release_list():
    return Release.objects.prefetch_related(
        "architectures",
        "repositories",
        Prefetch("images", queryset=Image.objects.select_related("architecture")),
    )


def release_served_list():
    """Releases that mirrors carry (staged ones included; not end of life nor candidates)."""
    return Release.objects.served_by_mirrors()


def team_names(user) -> set[str]:
    """The teams (QA, developers, release engineering) a person is in."""
    if not getattr(user, "is_authenticated", False):
        return set()
    teams = set(Team.values)
    return {name for name in user.groups.values_list("name", flat=True) if name in teams}


def release_architectures(release: Release) -> list[tuple[Architecture, str]]:
    """The release's architectures with their tier, primary first; each architecture knows
    the host of the master a secondary one lives on (`master_host`, "" for the release's)."""
    rows = list(ReleaseArchitecture.objects.filter(release=release).select_related("architecture"))
    for row in rows:
        row.architecture.master_host = urlsplit(row.master_url).hostname or ""
    return sorted(
        ((row.architecture, row.tier) for row in rows),
        key=lambda pair: (pair[1] != ArchitectureTier.PRIMARY, pair[0].name),
    )


def _cell(outcomes: list[str]) -> str:
    """A matrix cell from the newest outcome of each environment: any fail is red, else any
    pass is green, else a warn is amber, else grey."""
    if not outcomes:
        return UNTESTED
    for outcome in (Outcome.FAIL, Outcome.PASS, Outcome.WARN):
        if outcome in outcomes:
            return outcome
    return UNTESTED


def candidate_matrix(candidate: ReleaseCandidate) -> dict:
    """{"architectures": [(arch, tier)], "groups": [(criterion label, [row])]}, a row being
    {"case", "cells": [(arch name, state, [results])]}: the newest result of each
    environment decides a cell. Three queries whatever the size."""
    archs = release_architectures(candidate.release)
    newest: dict[tuple[int, int, str], ValidationResult] = {}
    by_cell: dict[tuple[int, int], list[ValidationResult]] = defaultdict(list)
    results = ValidationResult.objects.filter(candidate=candidate).select_related("tester")
    for result in results.order_by("at", "id"):
        newest[(result.case_id, result.architecture_id, result.environment)] = result
    for (case_id, arch_id, _env), result in newest.items():
        by_cell[(case_id, arch_id)].append(result)
    groups: dict[str, list[dict]] = defaultdict(list)
    for case in ValidationCase.objects.all():
        cells = []
        for arch, _tier in archs:
            shown = by_cell.get((case.pk, arch.pk), [])
            cells.append((arch.name, _cell([r.outcome for r in shown]), shown))
        groups[case.criterion].append({"case": case, "cells": cells})
    labels = dict(Criterion.choices)
    return {
        "architectures": archs,
        "groups": [(labels.get(c, c), rows) for c, rows in groups.items()],
    }


def candidate_go_missing(candidate: ReleaseCandidate) -> list[str]:
    """What keeps a candidate from go, each a sentence; empty: it may go.

    Every release-blocking case needs a pass on every primary architecture (the newest
    result of each environment; a fail in any environment undoes it), no accepted blocker
    may be open, and a QA member who is not a developer must have signed it off."""
    missing = []
    matrix = candidate_matrix(candidate)
    primary = {arch.name for arch, tier in matrix["architectures"] if tier == "primary"}
    if not primary:
        missing.append(f"{candidate.release} has no primary architecture.")
    for _label, rows in matrix["groups"]:
        for row in rows:
            if not row["case"].release_blocking:
                continue
            for arch, state, _results in row["cells"]:
                if arch in primary and state != Outcome.PASS:
                    what = "failed" if state == Outcome.FAIL else f"no pass ({state})"
                    missing.append(f"Release-blocking case {row['case'].name}: {what} on {arch}.")
    for blocker in Blocker.objects.open_accepted().filter(release=candidate.release):
        missing.append(f"Accepted blocker still open: {blocker.bug_url}")
    if not qa_signoffs(candidate):
        missing.append("No sign-off by a QA member who is not in the developers' team.")
    return missing


def qa_signoffs(candidate: ReleaseCandidate) -> list:
    """The QA sign-offs that count: their signer is in QA and not among the developers now
    (a developer who joined QA later does not count either)."""
    return [
        s
        for s in candidate.signoffs.filter(team=Team.QA).select_related("by")
        if team_names(s.by) >= {Team.QA} and Team.DEVELOPERS not in team_names(s.by)
    ]


def release_page(version: str) -> Release:
    """A release with what its page shows (raises Release.DoesNotExist)."""
    return (
        Release.objects.prefetch_related(
            Prefetch("events", queryset=ReleaseEvent.objects.select_related("by", "candidate")),
            Prefetch("candidates", queryset=ReleaseCandidate.objects.prefetch_related(
                "images__architecture", "signoffs__by"
            )),
            "repositories",
        )
        .get(version=version)
    )  # fmt: skip


def release_open_blockers(release: Release):
    return (
        Blocker.objects.filter(release=release)
        .exclude(status__in=["closed", "rejected"])
        .select_related("proposed_by")
        .prefetch_related("votes")
    )
