"""Choices of the releases app."""

from django.db import models


class ReleaseStatus(models.TextChoices):
    """The lifecycle, in order. "current" is the public release (the value is kept so the
    mirror lists, filters and API that name it keep their meaning)."""

    PLANNED = "planned", "Planned"
    BETA = "beta", "Beta"
    CANDIDATE = "candidate", "Candidate"
    GO = "go", "Go"
    STAGED = "staged", "Staged"
    CURRENT = "current", "Public"
    END_OF_LIFE = "eol", "End of life"


# Mirrors carry these (checks, sync tree, msync, owners' pages); planned releases and
# candidates live on the build and beta masters only.
MIRRORED_STATUSES = (ReleaseStatus.BETA, ReleaseStatus.STAGED, ReleaseStatus.CURRENT)
# Public answers (mirrorlist, metalink, ISO redirect, download pages) name these; an
# end-of-life release is answered with the vault.
PUBLIC_STATUSES = (ReleaseStatus.BETA, ReleaseStatus.CURRENT, ReleaseStatus.END_OF_LIFE)

# Who may move a release from one status to the next (go has its own service and rule).
TRANSITIONS = {
    ReleaseStatus.PLANNED: (ReleaseStatus.BETA, ReleaseStatus.CANDIDATE),
    ReleaseStatus.BETA: (ReleaseStatus.CANDIDATE,),
    ReleaseStatus.CANDIDATE: (ReleaseStatus.GO,),
    ReleaseStatus.GO: (ReleaseStatus.STAGED,),
    ReleaseStatus.STAGED: (ReleaseStatus.CURRENT,),
    ReleaseStatus.CURRENT: (ReleaseStatus.END_OF_LIFE,),
    ReleaseStatus.END_OF_LIFE: (),
}


class ImageKind(models.TextChoices):
    DVD = "dvd", "DVD"
    CD = "cd", "CD"
    NETINSTALL = "netinstall", "Network install"
    LIVECD = "livecd", "Live CD"
    SERVER = "server", "Server CD"


class RepositoryKind(models.TextChoices):
    BASE = "base", "Base (os)"
    UPDATES = "updates", "Updates"
    FASTTRACK = "fasttrack", "Fasttrack"
    EXTRAS = "extras", "Extras"
    ADDITIONAL = "additional", "Additional (centosplus, contrib)"
    THIRD_PARTY = "third-party", "Third party"


class ArchitectureTier(models.TextChoices):
    PRIMARY = "primary", "Primary"
    SECONDARY = "secondary", "Secondary"


class Team(models.TextChoices):
    """The teams are Django groups of these names (created by a data migration)."""

    QA = "qa", "QA"
    DEVELOPERS = "developers", "Developers"
    RELEASE_ENGINEERING = "release-engineering", "Release engineering"


class Criterion(models.TextChoices):
    INSTALL_DVD = "install-dvd", "Install from DVD"
    INSTALL_NETINSTALL = "install-netinstall", "Install from netinstall"
    UPGRADE = "upgrade", "Upgrade from the previous release"
    MEDIA_CHECK = "media-check", "Media check"
    BOOT_FIRMWARE = "boot-firmware", "Boot on each firmware"


class Outcome(models.TextChoices):
    PASS = "pass", "Pass"
    WARN = "warn", "Warn"
    FAIL = "fail", "Fail"


class Milestone(models.TextChoices):
    BETA = "beta", "Beta"
    FINAL = "final", "Final"


class BlockerStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    CLOSED = "closed", "Closed"
