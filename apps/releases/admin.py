from django.contrib import admin, messages

from apps.core.admin import ServiceAdmin

from . import services
from .models import (
    Architecture,
    Blocker,
    Image,
    Release,
    ReleaseArchitecture,
    ReleaseEvent,
    Repository,
    RepositoryVersion,
    ValidationCase,
)


class CatalogueAdmin(ServiceAdmin):
    @staticmethod
    def save_service(*, obj, by, changed):
        services.catalogue_save(instance=obj, by=by, changed=changed)

    @staticmethod
    def delete_service(*, obj, by):
        services.catalogue_delete(instance=obj, by=by)


class ReleaseArchitectureInline(admin.TabularInline):
    model = ReleaseArchitecture
    extra = 1


class ReleaseEventInline(admin.TabularInline):
    """The lifecycle's steps, read-only: they are written by the services."""

    model = ReleaseEvent
    extra = 0
    can_delete = False
    readonly_fields = ["status", "at", "by", "candidate", "note"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Release)
class ReleaseAdmin(CatalogueAdmin):
    list_display = ["version", "major", "status", "released_on"]
    list_filter = ["status", "major"]
    search_fields = ["version", "notes"]
    filter_horizontal = ["repositories"]
    inlines = [ReleaseArchitectureInline, ReleaseEventInline]

    def get_readonly_fields(self, request, obj=None):
        """A release's status moves by its lifecycle steps (API, actions), not by a form."""
        return ["status"] if obj is not None else []

    actions = ["mark_end_of_life", "open_staged"]

    @admin.action(description="Open the selected staged releases to the public now")
    def open_staged(self, request, queryset):
        for release in queryset.staged():
            services.release_open(release=release, by=request.user, reason="opened by staff")
        messages.success(request, "The staged releases among those selected are public now.")

    @admin.action(description="Mark the selected releases end of life (served from the vault)")
    def mark_end_of_life(self, request, queryset):
        for release in queryset:
            services.release_mark_end_of_life(release=release, by=request.user)
        messages.success(request, f"{len(queryset)} releases now go to the vault.")


@admin.register(Architecture)
class ArchitectureAdmin(CatalogueAdmin):
    list_display = ["name", "description"]
    search_fields = ["name", "description"]


@admin.register(Repository)
class RepositoryAdmin(CatalogueAdmin):
    list_display = ["name", "kind", "path_template", "owner", "description"]
    list_filter = ["kind"]
    search_fields = ["name", "description"]


@admin.register(RepositoryVersion)
class RepositoryVersionAdmin(CatalogueAdmin):
    list_display = ["release", "repository", "architecture", "timestamp", "published_at", "size"]
    list_filter = ["release", "repository", "architecture"]
    list_select_related = ["release", "repository", "architecture"]
    search_fields = ["sha256"]
    date_hierarchy = "published_at"


@admin.register(Image)
class ImageAdmin(ServiceAdmin):
    list_display = ["name", "release", "architecture", "kind", "size", "checksums_agree"]
    list_filter = ["release", "architecture", "kind"]
    list_select_related = ["release", "architecture"]
    search_fields = ["name", "sha256"]
    readonly_fields = ["size", "sha256", "checksums_read_at", "checksum_problems_shown"]
    fields = [
        "release", "architecture", "name", "kind", "published_at", "size", "sha256",
        "checksums_read_at", "expected_size", "expected_sha256", "checksum_problems_shown",
    ]  # fmt: skip

    @staticmethod
    def save_service(*, obj, by, changed):
        services.image_save(image=obj, by=by, changed=changed)

    @staticmethod
    def delete_service(*, obj, by):
        services.catalogue_delete(instance=obj, by=by)

    @admin.display(boolean=True, description="typed = master")
    def checksums_agree(self, image):
        return not image.checksum_problems

    @admin.display(description="checksum problems")
    def checksum_problems_shown(self, image):
        return "; ".join(image.checksum_problems) or "none: what was typed matches the master"


@admin.register(ValidationCase)
class ValidationCaseAdmin(CatalogueAdmin):
    list_display = ["name", "title", "criterion", "release_blocking"]
    list_filter = ["criterion", "release_blocking"]


@admin.register(Blocker)
class BlockerAdmin(admin.ModelAdmin):
    """Read here; proposed, voted and closed through the pages and the API."""

    list_display = ["bug_url", "release", "milestone", "criterion", "status"]
    list_filter = ["status", "milestone"]
    readonly_fields = [f.name for f in Blocker._meta.fields]

    def has_add_permission(self, request):
        return False
