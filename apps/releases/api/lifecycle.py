"""The lifecycle API: candidates, validation results, blockers and their votes, sign-offs
and go. Anyone reads; a write needs a token (or session) and the team the service asks for.
A step the release's state refuses is a 409 whose `missing` lists each reason."""

from __future__ import annotations

import contextlib

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from apps.core.api import Conflict

from .. import services
from ..models import Blocker, ReleaseCandidate, ValidationCase, ValidationResult
from ..selectors import candidate_go_missing
from .lifecycle_serializers import (
    BlockerSerializer,
    CandidateSerializer,
    GoSerializer,
    ResultSerializer,
    SignoffSerializer,
    ValidationCaseSerializer,
    VoteSerializer,
)


@contextlib.contextmanager
def refusals():
    """The services' refusals as API answers: a team missing is a 403, a state that
    refuses the step a 409 naming what is missing."""
    try:
        yield
    except services.TeamRefused as exc:
        raise PermissionDenied(str(exc)) from None
    except services.LifecycleRefused as exc:
        raise Conflict({"detail": str(exc), "missing": exc.missing}) from None


class SignedInWrites(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_authenticated)


class LifecycleViewSet(viewsets.GenericViewSet):
    permission_classes = [SignedInWrites]


class ValidationCaseViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = ValidationCase.objects.all()
    serializer_class = ValidationCaseSerializer
    lookup_field = "name"
    filterset_fields = ["criterion", "release_blocking"]


class CandidateViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, LifecycleViewSet
):
    """A release's candidates (RC1, RC2...) with their images; release engineering adds
    one, QA signs it off, release engineering gives it go."""

    queryset = ReleaseCandidate.objects.select_related("release").prefetch_related(
        "images__architecture", "signoffs__by"
    )
    serializer_class = CandidateSerializer
    filterset_fields = ["release__version"]

    def perform_create(self, serializer):
        with refusals():
            serializer.instance = services.candidate_add(
                release=serializer.validated_data["release"],
                by=self.request.user,
                path_template=serializer.validated_data.get("path_template", ""),
            )

    @extend_schema(request=SignoffSerializer, responses={201: SignoffSerializer})
    @action(detail=True, methods=["post"])
    def signoff(self, request, pk=None):
        """Sign the candidate off for one of your teams (QA: not if you are a developer)."""
        data = SignoffSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with refusals():
            signoff = services.signoff_record(
                candidate=self.get_object(), by=request.user, **data.validated_data
            )
        return Response(SignoffSerializer(signoff).data, status=201)

    @extend_schema(request=None, responses={200: GoSerializer, 409: GoSerializer})
    @action(detail=True, methods=["get", "post"])
    def go(self, request, pk=None):
        """GET: what the candidate's go still misses. POST (release engineering): go, or a
        409 listing in `missing` every reason it cannot."""
        candidate = self.get_object()
        if request.method == "GET":
            missing = candidate_go_missing(candidate)
            return Response({"detail": "ready" if not missing else "missing", "missing": missing})
        with refusals():
            release = services.candidate_go(candidate=candidate, by=request.user)
        return Response({"detail": f"{release} is go with {candidate.label}.", "missing": []})


class ResultViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, LifecycleViewSet
):
    """Validation results: a tester (a person, or automation with its token) posts pass,
    warn or fail for a case on a candidate, architecture and environment."""

    queryset = ValidationResult.objects.select_related(
        "candidate__release", "case", "architecture", "tester"
    )
    serializer_class = ResultSerializer
    filterset_fields = ["candidate", "outcome"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        with refusals():
            serializer.instance = services.result_record(by=self.request.user, **data)


class BlockerViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, LifecycleViewSet
):
    """Blockers: anyone signed in proposes one; the teams vote; a team member closes it."""

    queryset = Blocker.objects.select_related("release", "proposed_by").prefetch_related("votes")
    serializer_class = BlockerSerializer
    filterset_fields = ["release__version", "status", "milestone"]

    def perform_create(self, serializer):
        with refusals():
            serializer.instance = services.blocker_propose(
                by=self.request.user, **serializer.validated_data
            )

    @extend_schema(request=VoteSerializer, responses={200: BlockerSerializer})
    @action(detail=True, methods=["post"])
    def vote(self, request, pk=None):
        """+1 or -1 from a member of QA, the developers or release engineering."""
        data = VoteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with refusals():
            blocker = services.blocker_vote(
                blocker=self.get_object(), vote=data.validated_data["vote"], by=request.user
            )
        return Response(BlockerSerializer(blocker).data)

    @extend_schema(request=None, responses={200: BlockerSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        with refusals():
            blocker = services.blocker_close(blocker=self.get_object(), by=request.user)
        return Response(BlockerSerializer(blocker).data)
