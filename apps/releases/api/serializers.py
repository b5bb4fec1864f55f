from rest_framework import serializers

from ..models import Architecture, Image, Release


class ArchitectureSerializer(serializers.ModelSerializer):
    class Meta:
        model = Architecture
        fields = ["name", "description"]


class ReleaseSerializer(serializers.ModelSerializer):
    architectures = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    repositories = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")

    class Meta:
        model = Release
        fields = [
            "version",
            "major",
            "minor",
            "status",
            "released_on",
            "architectures",
            "repositories",
        ]


class ImageSerializer(serializers.ModelSerializer):
    release = serializers.SlugRelatedField(read_only=True, slug_field="version")
    architecture = serializers.SlugRelatedField(read_only=True, slug_field="name")

    class Meta:
        model = Image
        fields = ["release", "architecture", "name", "kind", "size", "sha256", "path"]
