from django.contrib import admin

from .models import Sponsor


@admin.register(Sponsor)
class SponsorAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "country", "sponsor_since", "active"]
    list_filter = ["kind", "active", "country"]
    search_fields = ["name", "website", "description"]
    prepopulated_fields = {"slug": ["name"]}
