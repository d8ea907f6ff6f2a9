"""`/api/v1/trials/` and `/api/v1/progress-reports/`: the trials an agreement covers and the progress
reports on its schedule (rule 28). The firm holding the agreement updates and submits; everyone who may
read the agreement reads them; another firm's are a 404."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import validated
from core.idempotency import idempotent
from core.policy import PolicyPermission
from trials import selectors, services
from trials.api.serializers import (
    AgreementTrialSerializer,
    EvidenceFileSerializer,
    EvidenceUploadSerializer,
    ProgressReportSerializer,
    ProgressReportSubmitSerializer,
    TrialUpdateSerializer,
)

TAGS = ["trials"]
FIRM, READ = "trials.firm_edit", "trials.read"


@extend_schema_view(
    list=extend_schema(
        summary="Trials of the agreements you may read",
        description="Filters: `agreement`, `status`.",
        tags=TAGS,
    ),
    retrieve=extend_schema(summary="One trial", tags=TAGS),
)
class TrialViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = AgreementTrialSerializer
    permission_classes = [PolicyPermission]
    policy = {"list": READ, "retrieve": READ, "partial_update": FIRM}
    http_method_names = ["get", "patch", "head", "options"]
    filterset_fields = ["agreement", "status", "phase"]
    search_fields = ["title", "nct_id", "permission_number"]
    ordering_fields = ["updated_at", "id"]
    ordering = ["agreement_id", "id"]

    def get_queryset(self):
        return selectors.trials_visible_to(self.request.user)

    @extend_schema(
        summary="The firm reports the trial's status, sites, actual enrolment and dates",
        request=TrialUpdateSerializer,
        responses={200: AgreementTrialSerializer},
        tags=TAGS,
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        trial = self.get_object()
        body = validated(TrialUpdateSerializer, request, partial=True)
        trial = services.trial_update(actor=request.user, trial=trial, **body)
        return Response(AgreementTrialSerializer(selectors.trial_get(request.user, trial.pk)).data)


@extend_schema_view(
    list=extend_schema(
        summary="Progress reports on the schedule, the earliest due first",
        description="Filters: `agreement`, `state`.",
        tags=TAGS,
    ),
    retrieve=extend_schema(summary="One progress report", tags=TAGS),
)
class ProgressReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ProgressReportSerializer
    permission_classes = [PolicyPermission]
    policy = {"list": READ, "retrieve": READ, "submit": FIRM, "evidence": FIRM}
    filterset_fields = ["agreement", "state"]
    ordering_fields = ["due_at", "number"]
    ordering = ["due_at", "id"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        return selectors.progress_reports_visible_to(self.request.user)

    @extend_schema(
        summary="File a due progress report (a late one too: the overdue flag stays)",
        request=ProgressReportSubmitSerializer,
        responses={200: ProgressReportSerializer},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def submit(self, request: Request, pk: str) -> Response:
        report = self.get_object()
        body = validated(ProgressReportSubmitSerializer, request)
        services.progress_report_submit(actor=request.user, report=report, **body)
        return Response(ProgressReportSerializer(selectors.progress_report_get(request.user, report.pk)).data)

    @extend_schema(
        summary="Attach a document to a due progress report",
        request={"multipart/form-data": EvidenceUploadSerializer},
        responses={201: EvidenceFileSerializer},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    @idempotent
    def evidence(self, request: Request, pk: str) -> Response:
        report = self.get_object()
        body = validated(EvidenceUploadSerializer, request)
        evidence = services.evidence_upload(
            actor=request.user,
            agreement=report.agreement,
            upload=body["file"],
            kind=body["kind"],
            progress_report=report,
        )
        return Response(EvidenceFileSerializer(evidence).data, status=status.HTTP_201_CREATED)
