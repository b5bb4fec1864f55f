"""An admin whose writes go through the app's services, so the admin has no side door."""

from django.contrib import admin

from .services import instance_delete, instance_save


class ServiceAdmin(admin.ModelAdmin):
    """Subclasses name their app's services: `save_service(obj=, by=, changed=)` and
    `delete_service(obj=, by=)`; the default saves or deletes the row whole, validated.
    The admin's change view runs in one transaction, so a service's after-commit work sees
    the inlines and many-to-many choices saved too."""

    @staticmethod
    def save_service(*, obj, by, changed):
        instance_save(instance=obj, by=by, changed=changed)

    @staticmethod
    def delete_service(*, obj, by):
        instance_delete(instance=obj, by=by)

    def save_model(self, request, obj, form, change):
        self.save_service(obj=obj, by=request.user, changed=form.changed_data if change else ())

    def delete_model(self, request, obj):
        self.delete_service(obj=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_service(obj=obj, by=request.user)
