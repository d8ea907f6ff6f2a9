"""`/api/v1/audit-events/`: the trail for auditors and officers, read-only, cursor-paginated by id.
`/api/v1/audit-verifications/`: walks of the hash chain run by a worker (audit.jobs), and their
certificates."""

from __future__ import annotations

from django.http import FileResponse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from audit import jobs, selectors
from audit.filters import AuditEventFilter
from audit.serializers import AuditEventSerializer, ChainReportSerializer, ChainVerificationSerializer
from audit.verify import verify_chain
from core.jobs import job_file_response
from core.models_jobs import Job
from core.policy import PolicyPermission


class AuditEventCursorPagination(CursorPagination):
    """Stable, O(1) deep paging on an append-only table; no COUNT over millions of rows."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


@extend_schema_view(
    list=extend_schema(
        summary="The audit trail",
        description="Events newest first, paged by cursor. Filters combine; dates are Moscow calendar days.",
        tags=["audit"],
    ),
    retrieve=extend_schema(summary="One audit event", tags=["audit"]),
)
class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AuditEventSerializer
    # Lists and the chain report: 403 for other roles. One event is checked against the scoped
    # queryset first, so for anyone else it simply does not exist (404). Writes have no action: 405.
    permission_classes = [PolicyPermission]
    policy = {"list": "audit.read_trail", "retrieve": "audit.read_trail", "verify": "audit.read_trail"}
    pagination_class = AuditEventCursorPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = AuditEventFilter

    def get_queryset(self):
        return selectors.events_visible_to(self.request.user)

    @extend_schema(
        operation_id="v1_audit_events_verify",
        summary="Verify the hash chain now",
        description=(
            "Walks every event in id order and reports the first broken one: `edited` (content no longer "
            "matches its hash), `deleted` (ids missing before it), `reordered` (its link to the previous "
            "event is broken), `truncated` (the latest events are missing), `rewritten` (does not match a "
            "recorded checkpoint). Reads only. The walk runs within this request (about 60,000 events a "
            "second); for a long trail ask for a verification instead (`POST /api/v1/audit-verifications/`)."
        ),
        filters=False,
        responses={200: ChainReportSerializer},
        tags=["audit"],
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def verify(self, request: Request) -> Response:
        return Response(ChainReportSerializer(verify_chain().as_dict()).data)


def verification_data(job: Job) -> dict:
    report = jobs.report_of(job)
    return ChainVerificationSerializer(
        {
            "id": job.pk,
            "state": job.state,
            "progress": job.progress,
            "rows": job.rows,
            "created_at": job.created_at,
            "finished_at": job.finished_at,
            "error": job.error,
            "report": report.as_dict() if report else None,
            "sha256": job.sha256,
        }
    ).data


@extend_schema_view(
    create=extend_schema(
        summary="Ask a worker to verify the hash chain",
        description=(
            "Queues a walk of the whole trail (see `GET /api/v1/audit-events/verify` for what it checks) and "
            "answers 202 at once; poll the verification until its state is `done` (with `report`) or "
            "`failed`. Readers change nothing: only the verification itself is recorded."
        ),
        request=None,
        responses={202: ChainVerificationSerializer},
        tags=["audit"],
    ),
    retrieve=extend_schema(
        summary="One verification: its progress, then its report",
        responses=ChainVerificationSerializer,
        tags=["audit"],
    ),
    certificate=extend_schema(
        summary="The certificate of a finished verification (JSON file)",
        responses={(200, "application/json"): OpenApiTypes.BINARY},
        tags=["audit"],
    ),
)
class ChainVerificationViewSet(viewsets.GenericViewSet):
    """The caller's walks (every one for auditors); another reader's walk does not exist (404)."""

    permission_classes = [PolicyPermission]
    policy = {"create": "audit.read_trail", "retrieve": "audit.read_trail", "certificate": "audit.read_trail"}
    serializer_class = ChainVerificationSerializer

    def get_queryset(self):
        return jobs.verify_jobs_visible_to(self.request.user)

    def create(self, request: Request) -> Response:
        job = jobs.verify_request(actor=request.user)
        return Response(verification_data(job), status=status.HTTP_202_ACCEPTED)

    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        return Response(verification_data(self.get_object()))

    @action(detail=True, methods=["get"])
    def certificate(self, request: Request, pk: str | None = None) -> FileResponse:
        return job_file_response(self.get_object())
