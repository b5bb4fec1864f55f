from django.contrib import admin

from .models import Architecture, Image, Release, Repository, RepositoryVersion


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    list_display = ["version", "major", "status", "released_on"]
    list_filter = ["status", "major"]
    search_fields = ["version", "notes"]
    filter_horizontal = ["architectures", "repositories"]


@admin.register(Architecture)
class ArchitectureAdmin(admin.ModelAdmin):
    list_display = ["name", "description"]
    search_fields = ["name", "description"]


@admin.register(Repository)
class RepositoryAdmin(admin.ModelAdmin):
    list_display = ["name", "path_template", "description"]
    search_fields = ["name", "description"]


@admin.register(RepositoryVersion)
class RepositoryVersionAdmin(admin.ModelAdmin):
    list_display = ["release", "repository", "architecture", "timestamp", "published_at", "size"]
    list_filter = ["release", "repository", "architecture"]
    list_select_related = ["release", "repository", "architecture"]
    search_fields = ["sha256"]
    date_hierarchy = "published_at"


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    list_display = ["name", "release", "architecture", "kind", "size"]
    list_filter = ["release", "architecture", "kind"]
    list_select_related = ["release", "architecture"]
    search_fields = ["name", "sha256"]
