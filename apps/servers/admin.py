from django import forms
from django.contrib import admin

from apps.core.admin import ServiceAdmin

from .models import (
    Role,
    Server,
    ServerPushToken,
    ServerService,
    ServerTraffic,
    SnmpTarget,
    TrafficSample,
)
from .services import push_token_revoke, server_delete, server_save
from .services.condition_services import server_services_derive


@admin.register(Role)
class RoleAdmin(ServiceAdmin):
    list_display = ["name"]
    search_fields = ["name"]


@admin.register(Server)
class ServerAdmin(ServiceAdmin):
    list_display = [
        "hostname", "country", "city", "sponsor", "status", "condition", "bandwidth_mbps"
    ]  # fmt: skip
    list_filter = ["status", "condition", "roles", "country"]
    list_select_related = ["sponsor"]
    search_fields = ["hostname", "ipv4", "ipv6", "city", "datacentre", "sponsor__name"]
    filter_horizontal = ["roles", "admins"]
    autocomplete_fields = ["sponsor"]

    @staticmethod
    def save_service(*, obj, by, changed):
        server_save(server=obj, by=by, changed=changed)

    @staticmethod
    def delete_service(*, obj, by):
        server_delete(server=obj, by=by)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        server_services_derive(server=form.instance)  # the roles chosen here are saved now


@admin.register(ServerService)
class ServerServiceAdmin(ServiceAdmin):
    """Services come from the roles; staff add others here by naming a plugin of
    SERVER_CHECK_PLUGINS, with its arguments, and turn any off."""

    list_display = ["server", "name", "plugin", "state", "state_type", "attempt", "last_check"]
    list_filter = ["state", "state_type", "plugin", "passive", "enabled"]
    list_select_related = ["server"]
    search_fields = ["server__hostname", "name", "plugin", "output"]
    autocomplete_fields = ["server"]
    readonly_fields = [
        "derived", "state", "state_type", "attempt", "last_hard_state", "last_check",
        "last_state_change", "last_hard_state_change", "output", "long_output", "perfdata",
    ]  # fmt: skip


@admin.register(ServerTraffic)
class ServerTrafficAdmin(ServiceAdmin):
    list_display = ["server", "day", "bytes_out", "bytes_in"]
    list_filter = ["server"]
    list_select_related = ["server"]
    date_hierarchy = "day"
    search_fields = ["server__hostname"]


@admin.register(ServerPushToken)
class ServerPushTokenAdmin(admin.ModelAdmin):
    """Keys are issued by `manage.py serverpushkey HOST` (shown once); here staff see them
    and revoke them."""

    list_display = ["server", "name", "prefix", "created", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["server"]
    search_fields = ["server__hostname", "name", "prefix"]
    readonly_fields = ["server", "name", "prefix", "created", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Revoke the selected keys", permissions=["change"])
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            push_token_revoke(token=token, by=request.user)
        self.message_user(request, "Revoked.")


@admin.register(SnmpTarget)
class SnmpTargetAdmin(ServiceAdmin):
    """Where the poller reads a server's counters; the community is a secret, typed in a
    password field and never shown back."""

    list_display = ["server", "host", "port", "if_index", "enabled", "last_polled_at", "last_error"]
    list_filter = ["enabled"]
    list_select_related = ["server"]
    search_fields = ["server__hostname", "host"]
    readonly_fields = ["last_polled_at", "last_error"]
    autocomplete_fields = ["server"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "community":
            kwargs["widget"] = forms.PasswordInput(render_value=True)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


@admin.register(TrafficSample)
class TrafficSampleAdmin(admin.ModelAdmin):
    """Raw counter readings, as read (pruned after TRAFFIC_SAMPLE_RETENTION_DAYS)."""

    list_display = ["server", "interface", "taken_at", "in_octets", "out_octets", "source", "note"]
    list_filter = ["source"]
    list_select_related = ["server"]
    search_fields = ["server__hostname", "interface", "note"]
    date_hierarchy = "taken_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
