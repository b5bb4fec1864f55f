from django.contrib import admin

from .models import Partner, PartnerEvent
from .services import partner_sponsor_link


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
    readonly_fields = [f.name for f in Partner._meta.fields if f.name != "sponsor"]
    inlines = [PartnerEventInline]

    def save_model(self, request, obj, form, change):
        # The only field edited here: which sponsor the partner is (recorded with who).
        partner_sponsor_link(partner=obj, sponsor=obj.sponsor, by=request.user)

    def save_related(self, request, form, formsets, change):
        pass  # the record is written by the services, never through the inline

    def has_add_permission(self, request) -> bool:
        return False
