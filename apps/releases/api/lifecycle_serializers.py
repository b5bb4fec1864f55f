"""Shapes of the lifecycle API. Writes go through apps/releases/services (the views hand
the validated data and the person to them)."""

from rest_framework import serializers

from ..choices import Team
from ..models import (
    Architecture,
    Blocker,
    CandidateImage,
    Release,
    ReleaseCandidate,
    ReleaseEvent,
    Signoff,
    ValidationCase,
    ValidationResult,
)


class ValidationCaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = ValidationCase
        fields = ["name", "title", "criterion", "release_blocking", "description"]


class CandidateImageSerializer(serializers.ModelSerializer):
    architecture = serializers.SlugRelatedField(read_only=True, slug_field="name")

    class Meta:
        model = CandidateImage
        fields = ["architecture", "name", "size", "sha256", "checksums_read_at"]


class SignoffSerializer(serializers.ModelSerializer):
    by = serializers.StringRelatedField(read_only=True)
    team = serializers.ChoiceField(choices=Team.choices)

    class Meta:
        model = Signoff
        fields = ["team", "by", "at", "note"]
        read_only_fields = ["by", "at"]


class CandidateSerializer(serializers.ModelSerializer):
    release = serializers.SlugRelatedField(slug_field="version", queryset=Release.objects.all())
    label = serializers.CharField(read_only=True)
    images = CandidateImageSerializer(many=True, read_only=True)
    signoffs = SignoffSerializer(many=True, read_only=True)

    class Meta:
        model = ReleaseCandidate
        fields = [
            "id", "release", "number", "label", "path_template", "created_at", "images",
            "signoffs",
        ]  # fmt: skip
        read_only_fields = ["number", "created_at"]
        extra_kwargs = {"path_template": {"required": False}}
        validators = []  # the number is the service's to choose


class ResultSerializer(serializers.ModelSerializer):
    candidate = serializers.PrimaryKeyRelatedField(
        queryset=ReleaseCandidate.objects.select_related("release")
    )
    case = serializers.SlugRelatedField(slug_field="name", queryset=ValidationCase.objects.all())
    architecture = serializers.SlugRelatedField(
        slug_field="name", queryset=Architecture.objects.all()
    )
    tester = serializers.StringRelatedField(read_only=True)
    bug_urls = serializers.ListField(
        child=serializers.URLField(max_length=500), required=False, max_length=10
    )

    class Meta:
        model = ValidationResult
        fields = [
            "id", "candidate", "case", "architecture", "environment", "outcome", "tester",
            "note", "bug_urls", "at",
        ]  # fmt: skip
        read_only_fields = ["tester", "at"]


class BlockerSerializer(serializers.ModelSerializer):
    release = serializers.SlugRelatedField(slug_field="version", queryset=Release.objects.all())
    proposed_by = serializers.StringRelatedField(read_only=True)
    votes = serializers.SerializerMethodField()

    class Meta:
        model = Blocker
        fields = [
            "id", "release", "milestone", "criterion", "bug_url", "summary", "status",
            "proposed_by", "proposed_at", "closed_at", "votes",
        ]  # fmt: skip
        read_only_fields = ["status", "proposed_at", "closed_at"]
        validators = []  # a second proposal of the same bug is the service's 409

    def get_votes(self, blocker) -> int:
        """The net of the teams' +1 and -1."""
        return sum(v.vote for v in blocker.votes.all())


class VoteSerializer(serializers.Serializer):
    vote = serializers.ChoiceField(choices=[1, -1])


class GoSerializer(serializers.Serializer):
    detail = serializers.CharField()
    missing = serializers.ListField(child=serializers.CharField())


class EventSerializer(serializers.ModelSerializer):
    by = serializers.StringRelatedField()
    candidate = serializers.StringRelatedField()

    class Meta:
        model = ReleaseEvent
        fields = ["status", "at", "by", "candidate", "note"]


class StepSerializer(serializers.Serializer):
    """A step of a release: `status` for a plain one (beta, candidate), `opens_at` and
    `share` (percent of the mirrors) for staging, `note` for the timeline."""

    status = serializers.CharField(required=False)
    opens_at = serializers.DateTimeField(required=False, allow_null=True)
    share = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=100)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)
