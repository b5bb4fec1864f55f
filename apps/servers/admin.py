from django.contrib import admin

from apps.core.admin import ServiceAdmin

from . import services
from .models import Role, Server, ServerTraffic


class AppAdmin(ServiceAdmin):
    @staticmethod
    def save_service(*, obj, by, changed):
        services.server_save(instance=obj, by=by, changed=changed)

    @staticmethod
    def delete_service(*, obj, by):
        services.server_delete(instance=obj, by=by)


@admin.register(Role)
class RoleAdmin(AppAdmin):
    list_display = ["name"]
    search_fields = ["name"]


@admin.register(Server)
class ServerAdmin(AppAdmin):
    list_display = ["hostname", "country", "city", "sponsor", "status", "health", "bandwidth_mbps"]
    list_filter = ["status", "health", "roles", "country"]
    list_select_related = ["sponsor"]
    search_fields = ["hostname", "ipv4", "ipv6", "city", "datacentre", "sponsor__name"]
    filter_horizontal = ["roles", "admins"]
    autocomplete_fields = ["sponsor"]


@admin.register(ServerTraffic)
class ServerTrafficAdmin(AppAdmin):
    list_display = ["server", "day", "bytes_out", "bytes_in"]
    list_filter = ["server"]
    list_select_related = ["server"]
    date_hierarchy = "day"
    search_fields = ["server__hostname"]
