"""`/api/v1/payouts/`, `/api/v1/recoveries/`, `/api/v1/ledger-entries/`: the money (rules 33-35).

Every POST here moves money or decides to: an `Idempotency-Key` header is required (400
`idempotency_key_required` without it); a replay with the same key and body returns the first response
and moves nothing twice. Officers act; a firm reads its own payouts, recoveries and ledger entries;
auditors read everything and change nothing (403).
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import validated
from core.errors import DomainError
from core.policy import PolicyPermission
from trials import selectors, services
from trials.api._common import IDEMPOTENCY_KEY, money_move
from trials.api.serializers import (
    LedgerEntrySerializer,
    PayoutDetailSerializer,
    PayoutPaidSerializer,
    PayoutProposeSerializer,
    PayoutSerializer,
    RecoveryCreateSerializer,
    RecoverySerializer,
    TrialsReasonSerializer,
)
from trials.enums import LedgerKind
from trials.models import LedgerEntry, Payout

TAGS = ["payouts"]
MANAGE, READ = "trials.manage", "trials.read"
MONEY_KEY = "An `Idempotency-Key` header is required; a replay returns the first response."


@extend_schema_view(
    list=extend_schema(
        summary="Payouts (a firm: its own)", description="Filters: `agreement`, `claim`, `state`.", tags=TAGS
    ),
    retrieve=extend_schema(
        summary="One payout with its allowed actions", responses=PayoutDetailSerializer, tags=TAGS
    ),
)
class PayoutViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = PayoutSerializer
    permission_classes = [PolicyPermission]
    policy = {
        "list": READ,
        "retrieve": READ,
        "create": MANAGE,
        "approve": MANAGE,
        "mark_paid": MANAGE,
        "cancel": MANAGE,
    }
    filterset_fields = ["agreement", "claim", "state"]
    ordering_fields = ["proposed_at", "amount"]
    ordering = ["-proposed_at", "-id"]

    def get_queryset(self):
        return selectors.payouts_visible_to(self.request.user)

    def _show(self, pk, status_code: int = status.HTTP_200_OK) -> Response:
        payout = selectors.payout_get(self.request.user, pk)
        data = PayoutDetailSerializer(payout, context=self.get_serializer_context()).data
        return Response(data, status=status_code)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self._show(pk)

    @extend_schema(
        summary="Propose the payout of a verified claim by the one formula (rule 33)",
        description="Amount = min(rate × Σ accepted, rounded half-up to the kopeck; cap − net paid − "
        "payouts outstanding). " + MONEY_KEY,
        request=PayoutProposeSerializer,
        responses={201: PayoutDetailSerializer},
        parameters=[IDEMPOTENCY_KEY],
        tags=TAGS,
    )
    @money_move
    def create(self, request: Request) -> Response:
        body = validated(PayoutProposeSerializer, request)
        claim = selectors.claim_get(request.user, body["claim"])
        payout = services.payout_propose(actor=request.user, claim=claim)
        return self._show(payout.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Approve: a second officer, neither the proposer nor the claim's verifier (rule 34)",
        description=MONEY_KEY,
        request=None,
        responses={200: PayoutDetailSerializer},
        parameters=[IDEMPOTENCY_KEY],
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    @money_move
    def approve(self, request: Request, pk: str) -> Response:
        payout = self.get_object()
        services.payout_approve(actor=request.user, payout=payout)
        return self._show(payout.pk)

    @extend_schema(
        summary="Mark paid with the payment order number and date: the payout enters the ledger",
        description=MONEY_KEY,
        request=PayoutPaidSerializer,
        responses={200: PayoutDetailSerializer},
        parameters=[IDEMPOTENCY_KEY],
        tags=TAGS,
    )
    @action(detail=True, methods=["post"], url_path="mark-paid")
    @money_move
    def mark_paid(self, request: Request, pk: str) -> Response:
        payout = self.get_object()
        body = validated(PayoutPaidSerializer, request)
        services.payout_mark_paid(actor=request.user, payout=payout, **body)
        return self._show(payout.pk)

    @extend_schema(
        summary="Cancel a proposal or an approval that was not paid, with a reason",
        description=MONEY_KEY,
        request=TrialsReasonSerializer,
        responses={200: PayoutDetailSerializer},
        parameters=[IDEMPOTENCY_KEY],
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    @money_move
    def cancel(self, request: Request, pk: str) -> Response:
        payout = self.get_object()
        body = validated(TrialsReasonSerializer, request)
        services.payout_cancel(actor=request.user, payout=payout, reason=body["reason"])
        return self._show(payout.pk)


@extend_schema_view(
    list=extend_schema(
        summary="Recoveries (a firm: its own)", description="Filters: `agreement`.", tags=TAGS
    ),
    retrieve=extend_schema(summary="One recovery", tags=TAGS),
)
class RecoveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = RecoverySerializer
    permission_classes = [PolicyPermission]
    policy = {"list": READ, "retrieve": READ, "create": MANAGE}
    filterset_fields = ["agreement", "payout"]
    ordering_fields = ["created_at", "due_date", "amount"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return selectors.recoveries_visible_to(self.request.user)

    @extend_schema(
        summary="Demand money back: a new negative ledger entry, at most the net paid (rule 34)",
        description=MONEY_KEY,
        request=RecoveryCreateSerializer,
        responses={201: RecoverySerializer},
        parameters=[IDEMPOTENCY_KEY],
        tags=TAGS,
    )
    @money_move
    def create(self, request: Request) -> Response:
        body = validated(RecoveryCreateSerializer, request)
        data = dict(body)
        agreement = selectors.agreement_get(request.user, data.pop("agreement"))
        payout_id = data.pop("payout")
        payout = None
        if payout_id is not None:
            payout = Payout.objects.filter(pk=payout_id, agreement=agreement).first()
            if payout is None:
                raise DomainError("invalid", _("Choose a paid payout of this agreement."), "payout")
        recovery = services.recovery_record(actor=request.user, agreement=agreement, payout=payout, **data)
        return Response(
            RecoverySerializer(selectors.recovery_get(request.user, recovery.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class LedgerFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=LedgerKind.choices)
    date_from = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte")
    date_to = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte")

    class Meta:
        model = LedgerEntry
        fields = ["agreement", "round", "kind"]


@extend_schema_view(
    list=extend_schema(
        summary="Ledger entries, append-only (rule 35); read-only",
        description="Filters: `agreement`, `round`, `kind`, `date_from`, `date_to` (recorded date, Moscow).",
        tags=TAGS,
    ),
    retrieve=extend_schema(summary="One ledger entry", tags=TAGS),
)
class LedgerEntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = LedgerEntrySerializer
    permission_classes = [PolicyPermission]
    policy = {"list": READ, "retrieve": READ}
    filterset_class = LedgerFilter
    ordering_fields = ["created_at", "amount"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return selectors.ledger_visible_to(self.request.user)
