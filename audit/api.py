"""`/api/v1/audit-events/`: the trail for auditors and officers, read-only, cursor-paginated by id."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response

from audit import selectors
from audit.filters import AuditEventFilter
from audit.serializers import AuditEventSerializer, ChainReportSerializer
from audit.verify import verify_chain
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
            "recorded checkpoint). Reads only."
        ),
        filters=False,
        responses={200: ChainReportSerializer},
        tags=["audit"],
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def verify(self, request: Request) -> Response:
        return Response(ChainReportSerializer(verify_chain().as_dict()).data)
