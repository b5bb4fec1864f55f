"""Writes of the mirrors app, one module per concern: `master` (the master's versions),
`sweeps`, `recording` (a chunk's results), `status` (hysteresis and the owners' emails),
`history` (daily summaries), `health` (the light loop between sweeps) and `moderation`
(what admins and owners decide)."""

from .health import HealthReport, health_round
from .history import check_daily_upsert, checks_aggregate
from .master import BATCH, MasterReport, master_refresh
from .recording import outcomes_record
from .status import Notice, mirror_status_next, notices_send
from .sweeps import (
    ChunkReport,
    SweepChunks,
    sweep_chunk_fail,
    sweep_chunk_run,
    sweep_finish,
    sweep_run,
    sweep_start,
)

__all__ = [
    "BATCH",
    "ChunkReport",
    "HealthReport",
    "MasterReport",
    "Notice",
    "SweepChunks",
    "check_daily_upsert",
    "checks_aggregate",
    "health_round",
    "master_refresh",
    "mirror_status_next",
    "notices_send",
    "outcomes_record",
    "sweep_chunk_fail",
    "sweep_chunk_run",
    "sweep_finish",
    "sweep_run",
    "sweep_start",
]
