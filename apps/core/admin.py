"""An admin whose writes go through the app's services, so the admin has no side door."""

from auditlog.mixins import AuditlogHistoryAdminMixin
from django.contrib import admin

from .audit import acting
from .services import instance_delete, instance_save


class AuditedAdmin(AuditlogHistoryAdminMixin, admin.ModelAdmin):
    """The object page's History shows the audit log (who changed what, when; "system" for
    the checks), and whatever the admin writes (inlines and actions too) names the person."""

    auditlog_history_template = "admin/audit_history.html"
    auditlog_history_per_page = 50

    def history_view(self, request, object_id, extra_context=None):
        """The audit log, then the admin's own notes (Django's LogEntry, which some services
        write with a sentence, e.g. master_set)."""
        from django.contrib.admin.models import LogEntry
        from django.contrib.contenttypes.models import ContentType

        notes = (
            LogEntry.objects.filter(
                object_id=str(object_id),
                content_type=ContentType.objects.get_for_model(self.model),
            )
            .select_related("user")
            .order_by("-action_time")[:50]
        )
        context = {"admin_notes": notes, **(extra_context or {})}
        return self.auditlog_history_view(request, object_id, context)

    def changeform_view(self, request, *args, **kwargs):
        with acting(request.user):
            return super().changeform_view(request, *args, **kwargs)

    def changelist_view(self, request, *args, **kwargs):
        with acting(request.user):
            return super().changelist_view(request, *args, **kwargs)

    def delete_view(self, request, *args, **kwargs):
        with acting(request.user):
            return super().delete_view(request, *args, **kwargs)


class ServiceAdmin(AuditedAdmin):
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


def _register_api_tokens():
    from .models import ApiToken
    from .tokens import token_revoke

    @admin.register(ApiToken)
    class ApiTokenAdmin(AuditedAdmin):
        """Staff see every person's API tokens and revoke any of them (a leaked key, a
        person who left); keys are made by their owners on /my/tokens/, never here."""

        list_display = ["name", "user", "prefix", "created", "last_used_at", "revoked_at"]
        list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
        list_select_related = ["user"]
        search_fields = ["name", "prefix", "user__username", "user__email"]
        readonly_fields = ["user", "name", "prefix", "created", "last_used_at", "revoked_at"]
        actions = ["revoke"]

        def has_add_permission(self, request):
            return False

        @admin.action(description="Revoke the selected tokens", permissions=["change"])
        def revoke(self, request, queryset):
            tokens = list(queryset.filter(revoked_at__isnull=True))
            for token in tokens:
                token_revoke(token=token, by=request.user)
            self.message_user(request, f"Revoked {len(tokens)} token(s).")


_register_api_tokens()
