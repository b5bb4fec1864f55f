"""Actions for scripts: check a mirror now (its people or staff, rate-limited) and import a
mirror list (staff; the importer of `manage.py importmirrors`, all or nothing)."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import parsers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ParseError
from rest_framework.response import Response
from rest_framework.settings import api_settings

from apps.core.api import ScopedRateThrottle

from ..choices import Approval
from ..importers import MirrorListError, list_decode, parse_apt_mirrors
from ..services.imports import mirrors_import
from ..services.queueing import recheck_queue
from ..services.registration import first_check_queue, first_check_waiting
from .access import IsStaff, ManagesMirror
from .serializers import CheckQueuedSerializer, ImportedSerializer

MAX_IMPORT_BYTES = 5 * 1024 * 1024
# The usual rates, and the "mirror-check" one (settings.REST_FRAMEWORK) on top.
CHECK_THROTTLES = [*api_settings.DEFAULT_THROTTLE_CLASSES, ScopedRateThrottle]


class PlainTextParser(parsers.BaseParser):
    """A text body (a mirror list), as str."""

    media_type = "text/plain"

    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read(MAX_IMPORT_BYTES + 1) if stream is not None else b""
        if len(raw) > MAX_IMPORT_BYTES:
            raise ParseError(f"The list is over {MAX_IMPORT_BYTES} bytes.")
        try:
            return list_decode(raw)
        except MirrorListError as exc:
            raise ParseError(f"The list cannot be read: {exc}.") from exc


IMPORT_ERROR = OpenApiResponse(
    description="A bad line: `errors` lists each line number and what is wrong with it; "
    "nothing was imported."
)


class MirrorToolingMixin:
    """The tooling actions of MirrorViewSet."""

    throttle_scope: str | None = None  # "mirror-check" for the check action

    @extend_schema(request=None, responses={202: CheckQueuedSerializer})
    @action(detail=True, methods=["post"], permission_classes=[ManagesMirror],
            throttle_classes=CHECK_THROTTLES, throttle_scope="mirror-check")  # fmt: skip
    def check(self, request, pk=None):
        """Queue a content check of the mirror now, as a sweep would check it. An approved
        mirror gets a content re-check (skipped while a maintenance window is open); one
        not approved yet gets its first check again."""
        mirror = self.get_object()
        if mirror.standing == Approval.APPROVED:
            recheck_queue([mirror.pk], reason="asked through the API")
            queued = "content check"
            detail = "A content check is queued; a maintenance window that is open skips it."
        else:
            first_check_queue(mirror)
            queued = "first check"
            detail = "Its first check is queued again: the mirror is not approved yet."
            if first_check_waiting(mirror):  # the broker is down: recorded in the outbox
                detail = ("Its first check is recorded and runs as soon as the task queue is "
                          "back: the mirror is not approved yet.")  # fmt: skip
        return Response({"mirror": mirror.pk, "queued": queued, "detail": detail},
                        status=status.HTTP_202_ACCEPTED)  # fmt: skip

    @extend_schema(
        request={"text/plain": OpenApiTypes.STR},
        parameters=[
            OpenApiParameter("pending", bool, description="Import them pending approval."),
            OpenApiParameter("organisation", str, description="Recorded on new mirrors."),
        ],
        responses={201: ImportedSerializer, 400: IMPORT_ERROR},
    )
    @action(detail=False, methods=["post"], url_path="import", permission_classes=[IsStaff],
            parser_classes=[PlainTextParser], filter_backends=[],
            pagination_class=None)  # fmt: skip
    def import_list(self, request):
        """Import a mirror list in the format of `manage.py importmirrors` (python-apt's
        .mirrors: `#LOC:CC` lines, then one base URL per line), as a text/plain body. All
        or nothing: one bad line and nothing is written."""
        text = request.data if isinstance(request.data, str) else ""
        pending = request.query_params.get("pending", "").lower() in ("1", "true", "yes", "on")
        try:
            result = mirrors_import(
                records=parse_apt_mirrors(text),
                approval=Approval.PENDING if pending else Approval.APPROVED,
                organisation=request.query_params.get("organisation", "")[:200],
            )
        except MirrorListError as exc:
            return Response(
                {
                    "detail": f"{exc}. Nothing was imported.",
                    "errors": [{"line": exc.line_number, "message": str(exc)}],
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        data = {**vars(result), "count": result.mirrors_created + result.mirrors_updated}
        return Response(data, status=status.HTTP_201_CREATED)
