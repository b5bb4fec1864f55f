"""Which mirrors each repository of a snapshot lists (selectors.py builds the rest)."""

from __future__ import annotations

from collections import defaultdict

from django.conf import settings

from apps.mirrors.choices import ContentState
from apps.mirrors.models import Mirror, MirrorRepositoryState
from apps.releases.models import Repository


def kinds_carried(*, mirror_ids) -> set[tuple[int, str]]:
    """{(mirror id, repository kind)} of what these mirrors carry (Mirror.repository_kinds)."""
    wanted = set(mirror_ids)
    return {
        (mirror_id, kind)
        for mirror_id, kinds in Mirror.objects.values_list("id", "repository_kinds")
        if mirror_id in wanted
        for kind in kinds or ()
    }


def repository_mirrors(*, position, versions, replaced_at, now_ts):
    """Which mirrors each repository lists: {key: positions} current, the same for the grace
    window, when each grace entry ends, and the (mirror id, key, lag) of the states checked
    "current" for what is a replaced version now.

    Current is decided here against the newest version the snapshot carries, not only by
    the state's word: a state checked "current" before the master's push holds what is an
    alternate now. A mirror holding an alternate that the master replaced less than
    DELIVERY_GRACE_SECONDS ago is in the grace window: listed after the current ones.
    A mirror is listed only for the kinds of repository its people say it carries.
    """
    window = settings.DELIVERY_GRACE_SECONDS
    carried = kinds_carried(mirror_ids=position)
    kinds = dict(Repository.objects.values_list("id", "kind"))
    current: dict[tuple[int, int, int], list[int]] = defaultdict(list)
    grace: dict[tuple[int, int, int], list[int]] = defaultdict(list)
    ends: list[float] = []
    replaced_current: list[tuple[int, tuple[int, int, int], int]] = []
    for mirror_id, release_id, repo_id, arch_id, state, sha256 in (
        MirrorRepositoryState.objects.filter(state__in=[ContentState.CURRENT, ContentState.BEHIND])
        .order_by("mirror_id")
        .values_list("mirror_id", "release_id", "repository_id", "architecture_id", "state",
                     "sha256")
    ):  # fmt: skip
        if mirror_id not in position or (mirror_id, kinds.get(repo_id)) not in carried:
            continue
        key = (release_id, repo_id, arch_id)
        newest = versions.get(key)
        if state == ContentState.CURRENT and (not sha256 or not newest or sha256 == newest[0][1]):
            current[key].append(position[mirror_id])
            continue
        found = replaced_at.get(key, {}).get(sha256)
        if found is None:
            continue  # an older version than any the metalink lists: dnf could not verify it
        replaced, published = found
        if state == ContentState.CURRENT:
            replaced_current.append((mirror_id, key, max(0, round(now_ts - published))))
        if window > 0 and now_ts - replaced < window:
            grace[key].append(position[mirror_id])
            ends.append(replaced + window)
    return current, grace, ends, replaced_current
