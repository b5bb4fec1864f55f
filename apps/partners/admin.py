from django.contrib import admin

from .models import Partner, PartnerEvent


class PartnerEventInline(admin.TabularInline):
    model = PartnerEvent
    extra = 0
    can_delete = False
    readonly_fields = ["action", "by", "at", "note"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    """Read-mostly: decisions are taken on the partner's page (the services e-mail and
    record them); the admin shows the record."""

    list_display = ["name", "status", "approved_until", "sponsor", "created"]
    list_filter = ["status"]
    search_fields = ["name", "contact_email"]
    readonly_fields = [f.name for f in Partner._meta.fields]
    inlines = [PartnerEventInline]

    def has_add_permission(self, request) -> bool:
        return False
