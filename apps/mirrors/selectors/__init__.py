"""Reads of the mirrors app: `pages` for the public pages, `probe_batches` for what a sweep probes,
`propagation` for how fast the mirrors follow the master's pushes."""

from .masters import architecture_masters, master_base_urls
from .pages import (
    mirror_check_history,
    mirror_counts_by_country,
    mirror_detail,
    mirror_network_summary,
    mirror_public_list,
    mirror_sync_path,
)
from .probe_batches import CheckContext, probe_batches_build
from .propagation import mirror_propagation, push_chart, push_summaries

__all__ = [
    "CheckContext",
    "architecture_masters",
    "master_base_urls",
    "mirror_check_history",
    "mirror_counts_by_country",
    "mirror_detail",
    "mirror_network_summary",
    "mirror_propagation",
    "mirror_public_list",
    "mirror_sync_path",
    "probe_batches_build",
    "push_chart",
    "push_summaries",
]
