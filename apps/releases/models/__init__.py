"""The releases app's models: the catalogue (releases, architectures, repositories, the
master's repository versions, ISO images), the lifecycle and the validation matrix."""

from .catalogue import (
    Architecture,
    Image,
    Release,
    ReleaseArchitecture,
    Repository,
    RepositoryVersion,
    sha256_validator,
)
from .lifecycle import (
    Blocker,
    BlockerVote,
    CandidateImage,
    ReleaseCandidate,
    ReleaseEvent,
    Signoff,
)
from .validation import ValidationCase, ValidationResult

__all__ = [
    "Architecture",
    "Blocker",
    "BlockerVote",
    "CandidateImage",
    "Image",
    "Release",
    "ReleaseArchitecture",
    "ReleaseCandidate",
    "ReleaseEvent",
    "Repository",
    "RepositoryVersion",
    "Signoff",
    "ValidationCase",
    "ValidationResult",
    "sha256_validator",
]
