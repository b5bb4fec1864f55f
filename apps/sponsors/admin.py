from django.contrib import admin

from apps.core.admin import ServiceAdmin

from . import services
from .models import Sponsor


class AppAdmin(ServiceAdmin):
    @staticmethod
    def save_service(*, obj, by, changed):
        services.sponsor_save(instance=obj, by=by, changed=changed)

    @staticmethod
    def delete_service(*, obj, by):
        services.sponsor_delete(instance=obj, by=by)


@admin.register(Sponsor)
class SponsorAdmin(AppAdmin):
    list_display = ["name", "kind", "country", "sponsor_since", "active"]
    list_filter = ["kind", "active", "country"]
    search_fields = ["name", "website", "description"]
    prepopulated_fields = {"slug": ["name"]}
