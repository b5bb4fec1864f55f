"""The delivery app's pages: the ISO folder page and the usage chart (pages), the capacity
page (capacity) and a release's rollout (rollout); and the parts of other apps' pages drawn
from delivery (pages: mirror_listing_part, sponsor_usage_part)."""

from .pages import current_snapshot, request_client
from .rollout import release_rollout

__all__ = ["current_snapshot", "release_rollout", "request_client"]
