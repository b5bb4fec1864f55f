from django.apps import AppConfig

# What the checks rewrite every round: not worth an audit record each.
MIRROR_ROUND_FIELDS = [
    "modified", "status", "status_since", "consecutive_failures", "consecutive_successes",
    "last_checked_at", "last_success_at", "stale_notified", "health_failures",
    "health_successes", "health_checked_at", "health_error", "recheck_requested_at",
    "time_modified", "quota_notified_month",
]  # fmt: skip


class MirrorsConfig(AppConfig):
    name = "apps.mirrors"
    verbose_name = "Mirrors"

    def ready(self) -> None:
        from apps.core.audit import audit_register

        from . import models as m

        # Who did it (apps.core.audit): what people decide and edit. The checks write their
        # state with UPDATEs (no audit record per round); a suspension is recorded by hand.
        audit_register(m.Mirror, exclude_fields=MIRROR_ROUND_FIELDS)
        for model in (m.MirrorURL, m.Netblock, m.CoOwnerInvite, m.VantagePoint):
            audit_register(model)
        audit_register(m.MaintenanceWindow, exclude_fields=["start_told_at", "end_told_at"])
        audit_register(m.MirrorWebhook, mask_fields=["secret"])
        from . import receivers  # noqa: F401  (reads new candidates' images)
