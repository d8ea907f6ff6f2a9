"""`/api/v1/agreements/`: agreements, their success decision, outcome report and balances.

A firm reads its own agreements (another firm's is a 404); officers, auditors and administrators read
all. Officers act; auditors change nothing (403). Moves of money (signing commits the cap, closing and
a recorded failure release it) require an `Idempotency-Key`; other POSTs accept one.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import validated
from core.errors import DomainError
from core.idempotency import idempotent
from core.policy import PolicyPermission
from grants.selectors import applications_visible_to
from trials import selectors, services
from trials.api._common import IDEMPOTENCY_KEY, money_move
from trials.api.serializers import (
    AgreementCreateSerializer,
    AgreementDetailSerializer,
    AgreementSerializer,
    AgreementSignSerializer,
    BalancesSerializer,
    EvidenceFileSerializer,
    EvidenceUploadSerializer,
    OutcomeReportInputSerializer,
    OutcomeReportSerializer,
    SuccessDecisionSerializer,
    SuccessRecordSerializer,
    TrialsReasonSerializer,
)
from trials.balances import agreement_balances
from trials.models import EvidenceFile, OutcomeReport, Trial

TAGS = ["trials"]
MANAGE, FIRM, READ = "trials.manage", "trials.firm_edit", "trials.read"
MONEY_KEY = "Money moves: an `Idempotency-Key` header is required; a replay returns the first response."


def _evidence_of(agreement, pk: int | None, field: str) -> EvidenceFile | None:
    if pk is None:
        return None
    found = EvidenceFile.objects.filter(pk=pk, agreement=agreement).first()
    if found is None:
        raise DomainError("invalid", _("Choose a file uploaded to this agreement."), field)
    return found


def _trial_of(agreement, pk: int | None) -> Trial | None:
    """A trial id of another agreement is refused, not silently dropped."""
    if pk is None:
        return None
    found = Trial.objects.filter(pk=pk, agreement=agreement).first()
    if found is None:
        raise DomainError("invalid", _("Choose a trial of this agreement."), "endpoint_trial")
    return found


@extend_schema_view(
    list=extend_schema(
        summary="Agreements with their ledger balances (a firm: its own)",
        description="Filters: `round`, `state`, `organisation`; `search` by number or firm; "
        "`ordering` by `created_at`, `number`, `cap`.",
        tags=TAGS,
    ),
    retrieve=extend_schema(
        summary="One agreement: trials, progress reports, decision, outcome report, balances",
        responses=AgreementDetailSerializer,
        tags=TAGS,
    ),
)
class AgreementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = AgreementSerializer
    permission_classes = [PolicyPermission]
    policy = {
        "list": READ,
        "retrieve": READ,
        "balances": READ,
        "create": MANAGE,
        "sign": MANAGE,
        "activate": MANAGE,
        "success": MANAGE,
        "failure": MANAGE,
        "close": MANAGE,
        "evidence": MANAGE,
        "outcome_report": FIRM,
        "outcome_evidence": FIRM,
    }
    filterset_fields = ["round", "state", "organisation"]
    search_fields = ["number", "organisation__name", "organisation__inn"]
    ordering_fields = ["created_at", "number", "cap"]
    ordering = ["-created_at", "-id"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        return selectors.agreements_visible_to(self.request.user)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self._show(pk)

    def _show(self, pk, status_code: int = status.HTTP_200_OK) -> Response:
        agreement = selectors.agreement_get(self.request.user, pk)
        data = AgreementDetailSerializer(agreement, context=self.get_serializer_context()).data
        return Response(data, status=status_code)

    @extend_schema(
        summary="Draw up the agreement of a selected application (rule 27)",
        description="The cap is at most the selected amount (the selected amount when left out).",
        request=AgreementCreateSerializer,
        responses={201: AgreementDetailSerializer},
        tags=TAGS,
    )
    @idempotent
    def create(self, request: Request) -> Response:
        body = validated(AgreementCreateSerializer, request)
        application = applications_visible_to(request.user).filter(pk=body["application"]).first()
        if application is None:
            raise DomainError("invalid", _("Choose a selected application."), "application")
        agreement = services.agreement_create(
            actor=request.user,
            application=application,
            cap=body.get("cap"),
            reporting_interval_months=body["reporting_interval_months"],
        )
        return self._show(agreement.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Record the signature: the cap is committed against the round's budget",
        description="Over the budget: 409 `budget_exceeded`. " + MONEY_KEY,
        request=AgreementSignSerializer,
        responses={200: AgreementDetailSerializer},
        parameters=[IDEMPOTENCY_KEY],
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    @money_move
    def sign(self, request: Request, pk: str) -> Response:
        agreement = self.get_object()
        body = validated(AgreementSignSerializer, request)
        services.agreement_sign(actor=request.user, agreement=agreement, **body)
        return self._show(agreement.pk)

    @extend_schema(
        summary="Start the agreement: the reporting schedule begins",
        request=None,
        responses={200: AgreementDetailSerializer},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def activate(self, request: Request, pk: str) -> Response:
        agreement = self.get_object()
        services.agreement_activate(actor=request.user, agreement=agreement)
        return self._show(agreement.pk)

    @extend_schema(
        summary="Upload the officer's success evidence (authorisation, endpoint report, expert opinion)",
        request={"multipart/form-data": EvidenceUploadSerializer},
        responses={201: EvidenceFileSerializer},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    @idempotent
    def evidence(self, request: Request, pk: str) -> Response:
        agreement = self.get_object()
        body = validated(EvidenceUploadSerializer, request)
        evidence = services.evidence_upload(
            actor=request.user,
            agreement=agreement,
            upload=body["file"],
            kind=body["kind"],
        )
        return Response(EvidenceFileSerializer(evidence).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Record the success event with its evidence and confirm the class status (rule 29)",
        description="File fields are ids of files uploaded to `/agreements/{id}/evidence/`.",
        request=SuccessRecordSerializer,
        responses={201: SuccessDecisionSerializer},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def success(self, request: Request, pk: str) -> Response:
        agreement = self.get_object()
        body = validated(SuccessRecordSerializer, request)
        data = dict(body)
        for field in ("expert_opinion", "authorisation_document", "endpoint_document"):
            data[field] = _evidence_of(agreement, data[field], field)
        data["endpoint_trial"] = _trial_of(agreement, data["endpoint_trial"])
        decision = services.success_record(actor=request.user, agreement=agreement, **data)
        return Response(SuccessDecisionSerializer(decision).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Record failure: the agreement closes with no payout and its commitment is released",
        description=MONEY_KEY,
        request=TrialsReasonSerializer,
        responses={201: SuccessDecisionSerializer},
        parameters=[IDEMPOTENCY_KEY],
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    @money_move
    def failure(self, request: Request, pk: str) -> Response:
        agreement = self.get_object()
        body = validated(TrialsReasonSerializer, request)
        decision = services.failure_record(actor=request.user, agreement=agreement, reason=body["reason"])
        return Response(SuccessDecisionSerializer(decision).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Close the agreement; what was committed and not paid goes back to the round",
        description=MONEY_KEY,
        request=TrialsReasonSerializer,
        responses={200: AgreementDetailSerializer},
        parameters=[IDEMPOTENCY_KEY],
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    @money_move
    def close(self, request: Request, pk: str) -> Response:
        agreement = self.get_object()
        body = validated(TrialsReasonSerializer, request)
        services.agreement_close(actor=request.user, agreement=agreement, reason=body["reason"])
        return self._show(agreement.pk)

    @extend_schema(
        summary="Start, edit or (with `submit: true`) file the firm's outcome report",
        request=OutcomeReportInputSerializer,
        responses={200: OutcomeReportSerializer},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"], url_path="outcome-report")
    @idempotent
    def outcome_report(self, request: Request, pk: str) -> Response:
        agreement = self.get_object()
        body = validated(OutcomeReportInputSerializer, request)
        report = services.outcome_report_save(actor=request.user, agreement=agreement, **body)
        report = OutcomeReport.objects.prefetch_related("evidence").get(pk=report.pk)
        return Response(OutcomeReportSerializer(report).data)

    @extend_schema(
        summary="Attach a document to the draft outcome report (save the report first)",
        request={"multipart/form-data": EvidenceUploadSerializer},
        responses={201: EvidenceFileSerializer},
        tags=TAGS,
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="outcome-report/evidence",
        parser_classes=[MultiPartParser, FormParser],
    )
    @idempotent
    def outcome_evidence(self, request: Request, pk: str) -> Response:
        agreement = self.get_object()
        body = validated(EvidenceUploadSerializer, request)
        report = OutcomeReport.objects.filter(agreement=agreement).first()
        if report is None:
            raise DomainError("no_outcome_report", _("Save the outcome report first."), "outcome_report")
        evidence = services.evidence_upload(
            actor=request.user,
            agreement=agreement,
            upload=body["file"],
            kind=body["kind"],
            outcome_report=report,
        )
        return Response(EvidenceFileSerializer(evidence).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="The agreement's money, derived from the ledger (rule 35), now or at a date",
        parameters=[
            OpenApiParameter(
                "as_of", OpenApiTypes.DATE, description="Entries recorded up to the end of this day (Moscow)"
            )
        ],
        responses={200: BalancesSerializer},
        tags=TAGS,
    )
    @action(detail=True, methods=["get"])
    def balances(self, request: Request, pk: str) -> Response:
        agreement = self.get_object()
        raw = request.query_params.get("as_of", "")
        as_of = None
        if raw:
            try:
                as_of = dt.date.fromisoformat(raw)
            except ValueError:
                raise DomainError("invalid", _("Enter a date as YYYY-MM-DD."), "as_of") from None
        return Response(BalancesSerializer(agreement_balances(agreement, as_of)).data)
