"""`/api/v1/claims/` and `/api/v1/claim-lines/`: cost claims (rules 30-32).

The firm opens a claim after success is verified, adds lines with their evidence files and submits;
an officer verifies each line (accept, accept in part or reject with a reason) and completes the
verification. Another firm's claim or line is a 404; auditors read and change nothing (403).
"""

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
    ClaimCreateSerializer,
    ClaimDetailSerializer,
    ClaimLineInputSerializer,
    ClaimLineSerializer,
    ClaimSerializer,
    EvidenceFileSerializer,
    EvidenceUploadSerializer,
    LineVerifySerializer,
)
from trials.models import ClaimLine, EvidenceFile, Trial

TAGS = ["claims"]
MANAGE, FIRM, READ = "trials.manage", "trials.firm_edit", "trials.read"


@extend_schema_view(
    list=extend_schema(
        summary="Cost claims with line counts and totals (a firm: its own)",
        description="Filters: `agreement`, `state` (`submitted` is the verification queue).",
        tags=TAGS,
    ),
    retrieve=extend_schema(
        summary="One claim with its lines and their evidence", responses=ClaimDetailSerializer, tags=TAGS
    ),
)
class ClaimViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ClaimSerializer
    permission_classes = [PolicyPermission]
    policy = {
        "list": READ,
        "retrieve": READ,
        "create": FIRM,
        "lines": FIRM,
        "submit": FIRM,
        "complete": MANAGE,
    }
    filterset_fields = ["agreement", "state"]
    ordering_fields = ["created_at", "submitted_at", "verification_due_at"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return selectors.claims_visible_to(self.request.user)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self._show(pk)

    def _show(self, pk, status_code: int = status.HTTP_200_OK) -> Response:
        claim = selectors.claim_get(self.request.user, pk)
        data = ClaimDetailSerializer(claim, context=self.get_serializer_context()).data
        return Response(data, status=status_code)

    @extend_schema(
        summary="Open a draft claim on an agreement whose success is verified",
        request=ClaimCreateSerializer,
        responses={201: ClaimDetailSerializer},
        tags=TAGS,
    )
    @idempotent
    def create(self, request: Request) -> Response:
        body = validated(ClaimCreateSerializer, request)
        agreement = selectors.agreement_get(request.user, body["agreement"])
        claim = services.claim_create(actor=request.user, agreement=agreement)
        return self._show(claim.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Add a cost line to a draft claim (rules 30-31: checked at entry)",
        description="Refused: a trial of another agreement, an ineligible category, a date outside the "
        "program's window, an invalid INN, a cost document already accepted anywhere (409 "
        "`document_already_used`).",
        request=ClaimLineInputSerializer,
        responses={201: ClaimLineSerializer},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def lines(self, request: Request, pk: str) -> Response:
        claim = self.get_object()
        body = validated(ClaimLineInputSerializer, request)
        values = dict(body)
        values["trial"] = Trial.objects.filter(pk=values["trial"], agreement_id=claim.agreement_id).first()
        line = services.claim_line_add(actor=request.user, claim=claim, **values)
        return Response(ClaimLineSerializer(line).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Send the claim to verification: every line needs its evidence (rule 30)",
        request=None,
        responses={200: ClaimDetailSerializer},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def submit(self, request: Request, pk: str) -> Response:
        claim = self.get_object()
        services.claim_submit(actor=request.user, claim=claim)
        return self._show(claim.pk)

    @extend_schema(
        summary="Complete the verification once every line is decided",
        request=None,
        responses={200: ClaimDetailSerializer},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def complete(self, request: Request, pk: str) -> Response:
        claim = self.get_object()
        services.claim_complete_verification(actor=request.user, claim=claim)
        return self._show(claim.pk)


@extend_schema_view(
    retrieve=extend_schema(summary="One claim line with its evidence", tags=TAGS),
    destroy=extend_schema(summary="Remove a line (and its files) from a draft claim", tags=TAGS),
)
class ClaimLineViewSet(mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    serializer_class = ClaimLineSerializer
    permission_classes = [PolicyPermission]
    policy = {"retrieve": READ, "destroy": FIRM, "evidence": FIRM, "verify": MANAGE}
    filter_backends: list = []
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        return selectors.claim_lines_visible_to(self.request.user)

    def perform_destroy(self, instance: ClaimLine) -> None:
        services.claim_line_delete(actor=self.request.user, line=instance)

    def _show(self, pk, status_code: int = status.HTTP_200_OK) -> Response:
        return Response(ClaimLineSerializer(self.get_queryset().get(pk=pk)).data, status=status_code)

    @extend_schema(
        summary="Attach evidence to a line of a draft claim (contract, act/UPD, payment order/statement)",
        request={"multipart/form-data": EvidenceUploadSerializer},
        responses={201: EvidenceFileSerializer},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    @idempotent
    def evidence(self, request: Request, pk: str) -> Response:
        line = self.get_object()
        body = validated(EvidenceUploadSerializer, request)
        evidence: EvidenceFile = services.evidence_upload(
            actor=request.user,
            agreement=line.claim.agreement,
            upload=body["file"],
            kind=body["kind"],
            line=line,
        )
        return Response(EvidenceFileSerializer(evidence).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Verify one line: accept, accept in part (`reduce`) or reject (rule 32)",
        description="Accepted ≤ claimed; a reduction or a rejection needs a `reason` (400 "
        "`reason_required`). Accepting spends the cost document (rule 31).",
        request=LineVerifySerializer,
        responses={200: ClaimLineSerializer},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def verify(self, request: Request, pk: str) -> Response:
        line = self.get_object()
        body = validated(LineVerifySerializer, request)
        services.line_verify(actor=request.user, line=line, **body)
        return self._show(line.pk)
