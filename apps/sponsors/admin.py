from django.contrib import admin

from apps.core.admin import ServiceAdmin

from .models import Sponsor


@admin.register(Sponsor)
class SponsorAdmin(ServiceAdmin):
    list_display = ["name", "kind", "country", "sponsor_since", "active"]
    list_filter = ["kind", "active", "country"]
    search_fields = ["name", "website", "description"]
    prepopulated_fields = {"slug": ["name"]}
