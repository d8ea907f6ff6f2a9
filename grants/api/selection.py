"""`/api/v1/selection-*`, `/api/v1/funding-decisions/`, `/api/v1/appeals/`: the selection in the API.

Ministry staff read everything; officers act. A firm reads its own published results (with the
anonymised comments) and its own appeals, and files appeals. Every POST accepts an Idempotency-Key.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import validated
from core.idempotency import idempotent
from core.policy import PolicyPermission
from grants import selectors
from grants import selectors_selection as sel
from grants.downloads import document_response
from grants.models import SelectionDocument
from grants.serializers.selection import (
    AppealCreateSerializer,
    AppealReasonSerializer,
    AppealSerializer,
    DecisionsInputSerializer,
    FundingDecisionSerializer,
    MinutesUploadSerializer,
    ProposalDetailSerializer,
    ProposalSerializer,
    RankingRowSerializer,
    ResultSerializer,
    RunSerializer,
    SelectionDocumentSerializer,
    SelectionRoundSerializer,
)
from grants.services.appeals import appeal_decide, appeal_submit
from grants.services.decisions import DecisionInput, decisions_record, minutes_upload, selection_publish
from grants.services.selection import selection_run

TAGS = ["selection"]
MANAGE, READ = "selection.manage", "selection.read"


@extend_schema_view(
    list=extend_schema(summary="Rounds in review or later: budget, commitments, latest run", tags=TAGS),
    retrieve=extend_schema(summary="One round's selection summary", tags=TAGS),
)
class SelectionRoundViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = SelectionRoundSerializer
    permission_classes = [PolicyPermission]
    policy = {
        "list": READ,
        "retrieve": READ,
        "ranking": READ,
        "run": MANAGE,
        "decisions": MANAGE,
        "minutes": MANAGE,
        "publish": MANAGE,
    }
    filter_backends: list = []

    def get_queryset(self):
        return sel.selection_rounds_visible_to(self.request.user)

    def _show(self, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
        round_ = sel.selection_round_get(self.request.user, pk)
        return Response(
            SelectionRoundSerializer(round_, context=self.get_serializer_context()).data, status=status_code
        )

    @extend_schema(
        summary="The ranking: scores (raw, calibrated, consensus, spread, flags), proposal and decision",
        responses={200: RankingRowSerializer(many=True)},
        tags=TAGS,
    )
    @action(detail=True, methods=["get"])
    def ranking(self, request: Request, pk: str) -> Response:
        round_ = self.get_object()
        rows = sel.ranking_rows(round_, sel.latest_proposal(round_))
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(RankingRowSerializer(page, many=True).data)

    @extend_schema(
        summary="Run ranking and allocation; the proposal is stored unchanged (rules 20-25)",
        description="Refused (`reviews_incomplete`) while an eligible application lacks its k submitted "
        "reviews, unless `exception_reason` is given; `decisions_recorded` once the committee has decided.",
        request=RunSerializer,
        responses={201: ProposalDetailSerializer},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def run(self, request: Request, pk: str) -> Response:
        round_ = self.get_object()
        body = validated(RunSerializer, request)
        proposal = selection_run(actor=request.user, round=round_, exception_reason=body["exception_reason"])
        return Response(ProposalDetailSerializer(proposal).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Record the committee's decisions; approved amounts are committed against the budget",
        description="Each line differing from the proposal needs a `reason` (rule 25). Over the budget "
        "nothing is recorded: 409 `over_budget` (rule 27).",
        request=DecisionsInputSerializer,
        responses={200: FundingDecisionSerializer(many=True)},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def decisions(self, request: Request, pk: str) -> Response:
        round_ = self.get_object()
        body = validated(DecisionsInputSerializer, request)
        lines = [
            DecisionInput(
                line["application"], line["outcome"], line.get("approved_amount"), line.get("reason", "")
            )
            for line in body["decisions"]
        ]
        written = decisions_record(actor=request.user, round=round_, decisions=lines)
        return Response(
            FundingDecisionSerializer(written, many=True, context=self.get_serializer_context()).data
        )

    @extend_schema(
        summary="Attach the committee's minutes (PDF, DOCX; content sniffed)",
        request={"multipart/form-data": MinutesUploadSerializer},
        responses={201: SelectionDocumentSerializer},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    @idempotent
    def minutes(self, request: Request, pk: str) -> Response:
        round_ = self.get_object()
        body = validated(MinutesUploadSerializer, request)
        document = minutes_upload(actor=request.user, round=round_, upload=body["file"])
        return Response(SelectionDocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Publish the results: firms notified, appeal window opened (a deadline)",
        request=None,
        responses={200: SelectionRoundSerializer},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def publish(self, request: Request, pk: str) -> Response:
        round_ = self.get_object()
        selection_publish(actor=request.user, round=round_)
        return self._show(round_.pk)


@extend_schema_view(
    list=extend_schema(summary="Stored selection proposals (filter with ?round=)", tags=TAGS),
    retrieve=extend_schema(
        summary="One proposal with its frozen snapshot", responses=ProposalDetailSerializer, tags=TAGS
    ),
)
class ProposalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ProposalSerializer
    permission_classes = [PolicyPermission]
    policy = {"list": READ, "retrieve": READ}
    filter_backends: list = []

    def get_queryset(self):
        qs = sel.proposals_visible_to(self.request.user).order_by("-created_at", "-id")
        round_id = self.request.query_params.get("round", "")
        return qs.filter(round_id=int(round_id)) if round_id.isdigit() else qs

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(ProposalDetailSerializer(sel.proposal_get(request.user, pk)).data)


@extend_schema_view(
    list=extend_schema(summary="Funding decisions (a firm: its own, once published)", tags=TAGS),
    retrieve=extend_schema(
        summary="One decision; a published one carries the anonymised reviewer comments",
        responses=ResultSerializer,
        tags=TAGS,
    ),
)
class FundingDecisionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = FundingDecisionSerializer
    permission_classes = [PolicyPermission]
    policy = {"list": "selection.results", "retrieve": "selection.results"}
    filter_backends: list = []

    def get_queryset(self):
        return sel.decisions_visible_to(self.request.user).order_by(
            "round_id", "proposed_rank", "application_id"
        )

    def retrieve(self, request: Request, pk: str) -> Response:
        decision = sel.decision_get(request.user, pk)
        context = {**self.get_serializer_context(), "comments": sel.reviewer_comments(decision)}
        return Response(ResultSerializer(decision, context=context).data)


@extend_schema_view(
    list=extend_schema(summary="Appeals (a firm: its own)", tags=TAGS),
    retrieve=extend_schema(summary="One appeal", tags=TAGS),
)
class AppealViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = AppealSerializer
    permission_classes = [PolicyPermission]
    policy = {
        "list": None,
        "retrieve": None,
        "create": "selection.appeal",
        "uphold": MANAGE,
        "dismiss": MANAGE,
    }
    filter_backends: list = []
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        qs = sel.appeals_visible_to(self.request.user).order_by("-submitted_at", "-id")
        state = self.request.query_params.get("state", "")
        return qs.filter(state=state) if state else qs

    def _show(self, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
        return Response(AppealSerializer(sel.appeal_get(self.request.user, pk)).data, status=status_code)

    @extend_schema(
        summary="Appeal a published reserve or not-selected result within the window (procedural grounds)",
        description="After the window: 409 `appeal_window_closed` with the closing time in the message.",
        request={"multipart/form-data": AppealCreateSerializer, "application/json": AppealCreateSerializer},
        responses={201: AppealSerializer},
        tags=TAGS,
    )
    @idempotent
    def create(self, request: Request) -> Response:
        body = validated(AppealCreateSerializer, request)
        application = selectors.application_get(request.user, body["application"])
        appeal = appeal_submit(
            actor=request.user,
            application=application,
            grounds=body["grounds"],
            text=body["text"],
            files=body["files"],
        )
        return self._show(appeal.pk, status.HTTP_201_CREATED)

    def _decide(self, request: Request, pk: str, uphold: bool) -> Response:
        appeal = self.get_object()
        body = validated(AppealReasonSerializer, request)
        appeal_decide(actor=request.user, appeal=appeal, uphold=uphold, reason=body["reason"])
        return self._show(appeal.pk)

    @extend_schema(
        summary="Uphold: the application goes to new reviewers and is decided again",
        request=AppealReasonSerializer,
        responses={200: AppealSerializer},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def uphold(self, request: Request, pk: str) -> Response:
        return self._decide(request, pk, uphold=True)

    @extend_schema(
        summary="Dismiss, with a reason",
        request=AppealReasonSerializer,
        responses={200: AppealSerializer},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def dismiss(self, request: Request, pk: str) -> Response:
        return self._decide(request, pk, uphold=False)


class SelectionDocumentViewSet(viewsets.GenericViewSet):
    """Minutes (ministry staff) and appeal files (ministry staff and the appealing firm)."""

    permission_classes = [PolicyPermission]
    policy = {"download": None}
    serializer_class = SelectionDocumentSerializer
    queryset = SelectionDocument.objects.none()  # for the schema's id type; reads go through the selector
    filter_backends: list = []

    @extend_schema(
        summary="Download a selection document (attachment, nosniff)",
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)},
        tags=TAGS,
    )
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str):
        return document_response(sel.selection_document_get(request.user, pk))
