"""Where a check was made, in the words the pages and the votes share: a leaf that the
services (which record the votes) and the selectors (which show them) both import."""

from __future__ import annotations

from collections.abc import Sequence

from ..choices import ImageState

HERE = "here"  # this place, in a disagreement's words


def repo_key(key: Sequence) -> str:
    """(release, repository, architecture) ids as a JSON key: "3:1:2"."""
    return ":".join(str(int(part)) for part in key)


def said(state: str, *, image: bool = False) -> str:
    """A state as a page says it: "behind", "wrong size"."""
    if image:
        return str(ImageState(state).label).lower() if state in ImageState.values else state
    return state
