"""Writes of the releases app: the catalogue (catalogue.py), the lifecycle from planned to
the vault (lifecycle.py) and the validation matrix and blockers (validation.py)."""

from .catalogue import (
    catalogue_delete,
    catalogue_save,
    image_checksums_record,
    image_save,
    release_mark_end_of_life,
    release_save,
)
from .lifecycle import (
    LifecycleRefused,
    TeamRefused,
    candidate_add,
    candidate_go,
    candidate_images_record,
    release_advance,
    release_open,
    release_stage,
    signoff_record,
)
from .validation import blocker_close, blocker_propose, blocker_vote, result_record

__all__ = [
    "LifecycleRefused",
    "TeamRefused",
    "blocker_close",
    "blocker_propose",
    "blocker_vote",
    "candidate_add",
    "candidate_go",
    "candidate_images_record",
    "catalogue_delete",
    "catalogue_save",
    "image_checksums_record",
    "image_save",
    "release_advance",
    "release_mark_end_of_life",
    "release_open",
    "release_save",
    "release_stage",
    "result_record",
    "signoff_record",
]
