from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from apps.core.admin import ServiceAdmin

from .models import (
    Check,
    CheckDaily,
    Mirror,
    MirrorImageState,
    MirrorRepositoryState,
    MirrorURL,
    MirrorWebhook,
    Netblock,
    Sweep,
    VantagePoint,
)
from .services import moderation
from .validators import mirror_name_validate


class MirrorURLInline(admin.TabularInline):
    model = MirrorURL
    extra = 0


class NetblockInline(admin.TabularInline):
    model = Netblock
    extra = 0


class MirrorAdminForm(forms.ModelForm):
    def clean_name(self) -> str:
        mirror_name_validate(self.cleaned_data["name"])
        return self.cleaned_data["name"]


@admin.register(Mirror)
class MirrorAdmin(ServiceAdmin):
    form = MirrorAdminForm
    list_display = [
        "name",
        "country",
        "continent",
        "tier",
        "approval",
        "suspended_at",
        "status",
        "bandwidth_mbps",
        "transfer_quota_gb",
        "upstream",
        "last_checked_at",
    ]
    list_filter = ["approval", "status", "tier", "continent", "private", "owner_active", "country"]
    list_select_related = ["upstream"]
    search_fields = ["name", "organisation", "contact_email", "urls__url"]
    autocomplete_fields = ["sponsor", "server", "upstream", "owner"]
    filter_horizontal = ["releases", "architectures", "repositories"]
    readonly_fields = [
        "approval_by",
        "approval_at",
        "suspended_at",
        "suspended_reason",
        "status",
        "status_since",
        "consecutive_failures",
        "consecutive_successes",
        "last_checked_at",
        "last_success_at",
    ]
    inlines = [MirrorURLInline, NetblockInline]
    actions = ["approve", "reject", "disable", "enable"]

    @staticmethod
    def save_service(*, obj, by, changed):
        moderation.mirror_save(mirror=obj, by=by, changed=changed)

    @staticmethod
    def delete_service(*, obj, by):
        moderation.mirror_delete(mirror=obj, by=by)

    def save_formset(self, request, form, formset, change):
        moderation.mirror_parts_save(mirror=form.instance, formset=formset, by=request.user)

    def _moderate(self, request, queryset, service, verb: str, **kwargs):
        done, refused = 0, []
        for mirror in queryset:
            try:
                service(mirror=mirror, by=request.user, **kwargs)
                done += 1
            except ValidationError as exc:
                refused.append(f"{mirror.name}: {' '.join(exc.messages)}")
        if done:
            messages.success(request, f"{done} mirrors {verb}.")
        for line in refused:
            messages.error(request, line)

    @admin.action(description="Approve the selected mirrors")
    def approve(self, request, queryset):
        self._moderate(request, queryset, moderation.mirror_approve, "approved")

    @admin.action(description="Reject the selected mirrors")
    def reject(self, request, queryset):
        reason = f"Rejected by {request.user} in the admin."
        self._moderate(request, queryset, moderation.mirror_reject, "rejected", reason=reason)

    @admin.action(description="Disable the selected mirrors")
    def disable(self, request, queryset):
        self._moderate(request, queryset, moderation.mirror_disable, "disabled")

    @admin.action(description="Enable the selected disabled or suspended mirrors")
    def enable(self, request, queryset):
        self._moderate(request, queryset, moderation.mirror_enable, "enabled")


@admin.register(MirrorURL)
class MirrorURLAdmin(ServiceAdmin):
    list_display = ["url", "mirror", "protocol", "ipv4", "ipv6"]
    list_filter = ["protocol", "ipv4", "ipv6"]
    list_select_related = ["mirror"]
    search_fields = ["url", "mirror__name"]

    @staticmethod
    def save_service(*, obj, by, changed):
        moderation.mirror_url_save(mirror_url=obj, by=by)

    @staticmethod
    def delete_service(*, obj, by):
        moderation.mirror_url_delete(mirror_url=obj, by=by)


class ReadOnlyAdmin(ServiceAdmin):
    """What the checks record: to look at, never to edit (a sweep rewrites it). It can be
    deleted (deleting a mirror deletes its records too), through the moderation service."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @staticmethod
    def delete_service(*, obj, by):
        moderation.check_record_delete(record=obj, by=by)


@admin.register(MirrorRepositoryState)
class MirrorRepositoryStateAdmin(ReadOnlyAdmin):
    list_display = [
        "mirror",
        "release",
        "repository",
        "architecture",
        "state",
        "lag_seconds",
        "checked_at",
    ]
    list_filter = ["state", "release", "repository", "architecture"]
    list_select_related = ["mirror", "release", "repository", "architecture"]
    search_fields = ["mirror__name"]


@admin.register(MirrorImageState)
class MirrorImageStateAdmin(ReadOnlyAdmin):
    list_display = ["mirror", "image", "state", "checked_at"]
    list_filter = ["state"]
    list_select_related = ["mirror", "image"]
    search_fields = ["mirror__name", "image__name"]


@admin.register(Sweep)
class SweepAdmin(ReadOnlyAdmin):
    list_display = [
        "pk", "started_at", "state", "trigger", "duration", "mirrors_checked", "mirrors_failed",
        "mirrors_up", "mirrors_down", "checks_count", "chunks_done", "chunks_total", "master_ok",
    ]  # fmt: skip
    list_filter = ["state", "trigger", "master_ok"]
    date_hierarchy = "started_at"
    search_fields = ["notes"]
    readonly_fields = [f.name for f in Sweep._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Check)
class CheckAdmin(ReadOnlyAdmin):
    list_display = [
        "checked_at", "mirror", "kind", "url", "http_status", "error", "latency_ms", "bytes",
    ]  # fmt: skip
    list_filter = ["kind", "error", "http_status"]
    list_select_related = ["mirror"]
    search_fields = ["mirror__name", "url", "detail"]
    date_hierarchy = "checked_at"
    raw_id_fields = ["sweep", "mirror", "mirror_url"]
    readonly_fields = [f.name for f in Check._meta.fields]
    show_full_result_count = False  # millions of rows: no COUNT(*) per page

    def has_add_permission(self, request):
        return False


@admin.register(CheckDaily)
class CheckDailyAdmin(ReadOnlyAdmin):
    list_display = [
        "day", "mirror", "checks", "failures", "success_ratio", "latency_mean_ms",
        "latency_p95_ms",
    ]  # fmt: skip
    list_filter = ["day"]
    list_select_related = ["mirror"]
    search_fields = ["mirror__name"]
    date_hierarchy = "day"
    raw_id_fields = ["mirror"]


@admin.register(VantagePoint)
class VantagePointAdmin(ServiceAdmin):
    """Vantage points: workers elsewhere, each on its queue checks.<name> (README)."""

    list_display = ["name", "region", "families", "source_address", "enabled", "answering"]
    list_filter = ["enabled", "region"]
    readonly_fields = ["last_answered_at"]

    @admin.display(description="Last answered", ordering="last_answered_at")
    def answering(self, point: VantagePoint) -> str:
        """When its last results arrived; "silent" after two sweep intervals without."""
        when = f"{point.last_answered_at:%Y-%m-%d %H:%M} UTC" if point.last_answered_at else "never"
        return f"silent (last answered {when})" if point.silent else when


@admin.register(MirrorWebhook)
class MirrorWebhookAdmin(ServiceAdmin):
    """Owners add and remove their webhooks on their own pages; staff may remove one."""

    list_display = ["mirror", "url", "created"]
    raw_id_fields = ["mirror", "created_by"]
    readonly_fields = ["secret"]
