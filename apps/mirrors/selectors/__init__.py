"""Reads of the mirrors app: `pages` for the public pages, `plans` for what a sweep probes."""

from .masters import master_base_urls
from .pages import (
    mirror_check_history,
    mirror_counts_by_country,
    mirror_detail,
    mirror_network_summary,
    mirror_public_list,
    mirror_sync_path,
)
from .plans import CheckContext, plans_build

__all__ = [
    "CheckContext",
    "master_base_urls",
    "mirror_check_history",
    "mirror_counts_by_country",
    "mirror_detail",
    "mirror_network_summary",
    "mirror_public_list",
    "mirror_sync_path",
    "plans_build",
]
