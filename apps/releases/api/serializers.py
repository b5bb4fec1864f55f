"""Shapes of the releases API. Writes (staff) go through apps/releases/services.py, so the
API validates as the admin does and a change reaches the mirror lists after commit."""

from rest_framework import serializers

from .. import services
from ..models import (
    Architecture,
    Image,
    Release,
    ReleaseArchitecture,
    Repository,
    RepositoryVersion,
)


class CatalogueSerializer(serializers.ModelSerializer):
    """Writes (staff) through `services.catalogue_save`: the model's own checks, then the
    mirror lists follow after commit when something clients get changed."""

    def create(self, validated_data):
        return self._save(self.Meta.model(), validated_data)

    def update(self, instance, validated_data):
        return self._save(instance, validated_data)

    def _save(self, instance, data: dict):
        by = data.pop("by", None)
        changed = list(data) if instance._state.adding else [
            name for name, value in data.items() if getattr(instance, name) != value
        ]  # fmt: skip
        for name, value in data.items():
            setattr(instance, name, value)
        services.catalogue_save(instance=instance, by=by, changed=changed)
        return instance


class ArchitectureSerializer(CatalogueSerializer):
    class Meta:
        model = Architecture
        fields = ["name", "description"]


class ReleaseArchitectureSerializer(CatalogueSerializer):
    """An architecture of one release, primary or secondary; a secondary one may name the
    master that carries it (`master_url`)."""

    release = serializers.SlugRelatedField(slug_field="version", queryset=Release.objects.all())
    architecture = serializers.SlugRelatedField(
        slug_field="name", queryset=Architecture.objects.all()
    )

    class Meta:
        model = ReleaseArchitecture
        fields = ["id", "release", "architecture", "tier", "master_url"]
        validators = []  # the model's constraint says it in words (services.catalogue_save)


class RepositorySerializer(CatalogueSerializer):
    class Meta:
        model = Repository
        fields = ["name", "description", "kind", "upstream_url", "owner", "path_template"]


class RepositoryVersionSerializer(serializers.ModelSerializer):
    release = serializers.SlugRelatedField(read_only=True, slug_field="version")
    repository = serializers.SlugRelatedField(read_only=True, slug_field="name")
    architecture = serializers.SlugRelatedField(read_only=True, slug_field="name")

    class Meta:
        model = RepositoryVersion
        fields = [
            "id", "release", "repository", "architecture", "timestamp", "sha256", "sha512",
            "size", "published_at",
        ]  # fmt: skip


class ReleaseSerializer(serializers.ModelSerializer):
    architectures = serializers.SlugRelatedField(
        many=True, required=False, slug_field="name", queryset=Architecture.objects.all()
    )
    repositories = serializers.SlugRelatedField(
        many=True, required=False, slug_field="name", queryset=Repository.objects.all()
    )

    class Meta:
        model = Release
        fields = [
            "version", "major", "minor", "status", "released_on", "image_path_template",
            "architectures", "repositories", "notes", "modified",
        ]  # fmt: skip
        read_only_fields = ["modified"]

    def create(self, validated_data):
        return self._save(Release(), validated_data)

    def update(self, instance, validated_data):
        return self._save(instance, validated_data)

    def _save(self, release: Release, data: dict) -> Release:
        by = data.pop("by", None)
        architectures = data.pop("architectures", None)
        repositories = data.pop("repositories", None)
        for name, value in data.items():
            setattr(release, name, value)
        return services.release_save(
            release=release,
            by=by,
            changed=[*data, *(["architectures"] if architectures is not None else []),
                     *(["repositories"] if repositories is not None else [])],
            architectures=architectures,
            repositories=repositories,
        )  # fmt: skip


class ImageSerializer(serializers.ModelSerializer):
    """`size` and `sha256` are the master's (read from its checksum files) and read-only; a
    typed size or hash is `expected_*`, and a difference shows in `checksum_problems`."""

    release = serializers.SlugRelatedField(slug_field="version", queryset=Release.objects.all())
    architecture = serializers.SlugRelatedField(
        slug_field="name", queryset=Architecture.objects.all()
    )
    path = serializers.CharField(read_only=True)
    checksum_problems = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Image
        fields = [
            "id", "release", "architecture", "name", "kind", "size", "sha256", "path",
            "checksums_read_at", "expected_size", "expected_sha256", "published_at",
            "checksum_problems", "modified",
        ]  # fmt: skip
        read_only_fields = ["size", "sha256", "checksums_read_at", "modified"]

    def create(self, validated_data):
        return self._save(Image(), validated_data)

    def update(self, instance, validated_data):
        return self._save(instance, validated_data)

    def _save(self, image: Image, data: dict) -> Image:
        by = data.pop("by", None)
        for name, value in data.items():
            setattr(image, name, value)
        return services.image_save(image=image, by=by, changed=list(data))


class EndOfLifeSerializer(serializers.Serializer):
    """The release after the change: its status is now "eol"."""

    version = serializers.CharField()
    status = serializers.CharField()
