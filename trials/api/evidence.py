"""`/api/v1/evidence/`: the files behind lines, reports and success decisions.

Read and downloaded by whoever may read the agreement (another firm's file is a 404); deleted by the
firm (its draft line or unsubmitted report's files) or an officer (success evidence not yet decided
on). Rule 38: a file backing an accepted line or a decision is never deleted (409
`evidence_protected`).
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request

from core.policy import PolicyPermission
from grants.downloads import document_response
from trials import selectors, services
from trials.api.serializers import EvidenceFileSerializer
from trials.models import EvidenceFile

TAGS = ["trials"]


@extend_schema_view(
    list=extend_schema(
        summary="Evidence files you may read",
        description="Filters: `agreement`, `line`, `progress_report`, `outcome_report`, `kind`.",
        tags=TAGS,
    ),
    retrieve=extend_schema(summary="One evidence file's record", tags=TAGS),
    destroy=extend_schema(
        summary="Delete a file that backs nothing decided yet (rule 38: never one behind an accepted "
        "line or a decision)",
        tags=TAGS,
    ),
)
class EvidenceViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    serializer_class = EvidenceFileSerializer
    permission_classes = [PolicyPermission]
    policy = {
        "list": "trials.read",
        "retrieve": "trials.read",
        "download": "trials.read",
        "destroy": "trials.evidence_upload",
    }
    filterset_fields = ["agreement", "line", "progress_report", "outcome_report", "kind"]
    ordering_fields = ["uploaded_at"]
    ordering = ["uploaded_at", "id"]

    def get_queryset(self):
        return selectors.evidence_visible_to(self.request.user).order_by("uploaded_at", "id")

    def perform_destroy(self, instance: EvidenceFile) -> None:
        services.evidence_delete(actor=self.request.user, evidence=instance)

    @extend_schema(
        summary="Download the file (attachment, nosniff)",
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)},
        tags=TAGS,
    )
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str):
        return document_response(self.get_object())
