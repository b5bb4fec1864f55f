from django.contrib import admin, messages

from .models import DailyUsage, ImageTorrent, Snapshot
from .tasks import snapshot_publish_now


@admin.register(Snapshot)
class SnapshotAdmin(admin.ModelAdmin):
    list_display = ["version", "built_at", "mirror_count", "size", "build_ms", "reason"]
    fields = ["version", "built_at", "mirror_count", "size", "build_ms", "reason"]
    readonly_fields = fields
    actions = ["publish_now"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Build and publish a new snapshot now")
    def publish_now(self, request, queryset):
        row = snapshot_publish_now(reason=f"admin action by {request.user}")
        self.message_user(request, f"Published snapshot {row.version}.", messages.SUCCESS)


@admin.register(ImageTorrent)
class ImageTorrentAdmin(admin.ModelAdmin):
    list_display = ["image", "piece_size", "created"]
    list_select_related = ["image"]
    readonly_fields = ["image", "piece_size", "created"]
    exclude = ["metainfo"]


@admin.register(DailyUsage)
class DailyUsageAdmin(admin.ModelAdmin):
    list_display = ["day", "kind", "country", "release", "arch", "repo", "file", "count"]
    list_filter = ["kind", "release", "arch"]
    search_fields = ["country", "file", "repo"]
    date_hierarchy = "day"
