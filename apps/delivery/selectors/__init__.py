"""Reads of the delivery app, one module per concern: the snapshot's one pass over the
database (snapshot, its parts, the listing, the repositories, the status JSON), the usage
statistics and the capacity forecast."""

from .capacity import capacity_forecast, shortfall_chart
from .snapshot import (
    SNAPSHOT_FORMAT,
    snapshot_data_collect,
    snapshot_latest,
    snapshot_latest_version,
)
from .usage import answers_on_version, images_without_torrent, usage_from_countries, usage_totals

__all__ = [
    "SNAPSHOT_FORMAT",
    "answers_on_version",
    "capacity_forecast",
    "images_without_torrent",
    "shortfall_chart",
    "snapshot_data_collect",
    "snapshot_latest",
    "snapshot_latest_version",
    "usage_from_countries",
    "usage_totals",
]
