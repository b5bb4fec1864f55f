"""The mirrors app's models: the network (mirrors, URLs, netblocks), what the checks record,
and what the people who run a mirror decide."""

from .checks import (
    Check,
    CheckDaily,
    MirrorImageState,
    MirrorRepositoryState,
    MirrorURLState,
    Sweep,
    SweepQuerySet,
)
from .network import (
    Mirror,
    MirrorQuerySet,
    MirrorURL,
    MirrorURLQuerySet,
    Netblock,
    approved_q,
    validate_netblock,
)
from .people import CoOwnerInvite, MaintenanceWindow, MaintenanceWindowQuerySet
from .pushes import Push, PushArrival, PushQuerySet, RolloutSample
from .traffic import MirrorCounter, MirrorTraffic, MirrorTrafficPeriod
from .vantage import MirrorVantageState, VantagePoint
from .webhooks import MirrorWebhook, WebhookDelivery

__all__ = [
    "Check", "CheckDaily", "CoOwnerInvite", "MaintenanceWindow", "MaintenanceWindowQuerySet",
    "Mirror", "MirrorCounter", "MirrorImageState", "MirrorQuerySet", "MirrorRepositoryState",
    "MirrorTraffic", "MirrorTrafficPeriod", "MirrorURL", "MirrorURLQuerySet", "MirrorURLState",
    "MirrorVantageState", "MirrorWebhook", "Netblock", "Push", "PushArrival", "PushQuerySet",
    "RolloutSample", "Sweep", "SweepQuerySet", "VantagePoint", "WebhookDelivery",
    "approved_q", "validate_netblock",
]  # fmt: skip
