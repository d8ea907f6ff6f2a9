"""Officers' API: assignment runs, conflicts and decisions, related parties, consensus, round scores.
Officers write; auditors and administrators read; everyone else gets 403."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import validated
from core.idempotency import idempotent
from core.policy import PolicyPermission
from reviewers import selectors, services
from reviewers.models import AssignmentRun, Conflict, ConflictDecision, ConsensusScore, RelatedParty
from reviewers.policy import reads_all
from reviewers.serializers import (
    ApplicationScoresSerializer,
    ConflictDecisionSerializer,
    ConflictSerializer,
    ConsensusSerializer,
    RelatedPartySerializer,
    RoundScoresSerializer,
    RunInputSerializer,
    RunSerializer,
)

TAGS = ["reviewers"]
READ = "reviewers.read_all"
MANAGE = "reviewers.manage"


def _only_readers(user, queryset):
    return queryset if reads_all(user) else queryset.none()


@extend_schema_view(
    list=extend_schema(summary="Assignment runs (filter by round)", tags=TAGS),
    retrieve=extend_schema(
        summary="One run: inputs hash, objective, report (blockers when infeasible)", tags=TAGS
    ),
)
class RunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = RunSerializer
    permission_classes = [PolicyPermission]
    policy = {"list": READ, "retrieve": READ, "create": MANAGE}
    filterset_fields = ["round", "status", "kind"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        return _only_readers(self.request.user, AssignmentRun.objects.all())

    @extend_schema(summary="Run the assignment of a round (rule 16): assigns k reviewers or stores the report",
                   request=RunInputSerializer, responses={201: RunSerializer}, tags=TAGS)  # fmt: skip
    @idempotent
    def create(self, request: Request) -> Response:
        body = validated(RunInputSerializer, request)
        round_ = selectors.review_round_get(request.user, body["round"])
        run = services.assignment_run(actor=request.user, round=round_)
        return Response(RunSerializer(run).data, status=201)


@extend_schema_view(
    list=extend_schema(summary="Conflicts of interest (filter by application, reviewer, severity)", tags=TAGS)
)
class ConflictViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = ConflictSerializer
    permission_classes = [PolicyPermission]
    policy = {"list": READ}
    filterset_fields = ["application", "reviewer", "severity", "source", "application__round"]
    ordering = ["application_id", "reviewer_id", "id"]

    def get_queryset(self):
        return _only_readers(self.request.user, Conflict.objects.all())


@extend_schema_view(
    list=extend_schema(summary="Officers' decisions on potential conflicts", tags=TAGS),
    create=extend_schema(summary="Decide a potential conflict with a reason (rule 14)", tags=TAGS),
)
class ConflictDecisionViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = ConflictDecisionSerializer
    permission_classes = [PolicyPermission]
    policy = {"list": READ, "create": MANAGE}
    filterset_fields = ["application", "reviewer", "outcome"]
    ordering = ["-decided_at", "-id"]

    def get_queryset(self):
        return _only_readers(self.request.user, ConflictDecision.objects.all())

    @idempotent
    def create(self, request: Request) -> Response:
        body = validated(ConflictDecisionSerializer, request)
        data = body
        decision = services.conflict_decide(
            actor=request.user,
            reviewer=data["reviewer"],
            application=data["application"],
            outcome=data["outcome"],
            reason=data["reason"],
        )
        return Response(ConflictDecisionSerializer(decision).data, status=201)


@extend_schema_view(
    list=extend_schema(
        summary="Organisations tied to applicants: group companies, CROs, trial sites", tags=TAGS
    ),
    create=extend_schema(
        summary="Record one (a group company on the organisation; a CRO or site on the application)",
        tags=TAGS,
    ),
    destroy=extend_schema(summary="Remove one", tags=TAGS),
)
class RelatedPartyViewSet(
    mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    serializer_class = RelatedPartySerializer
    permission_classes = [PolicyPermission]
    policy = {"list": READ, "create": MANAGE, "destroy": MANAGE}
    filterset_fields = ["application", "organisation", "role"]
    ordering = ["role", "name", "id"]

    def get_queryset(self):
        return _only_readers(self.request.user, RelatedParty.objects.all())

    @idempotent
    def create(self, request: Request) -> Response:
        body = validated(RelatedPartySerializer, request)
        party = services.related_party_add(actor=request.user, **body)
        return Response(RelatedPartySerializer(party).data, status=201)

    def perform_destroy(self, instance: RelatedParty) -> None:
        services.related_party_delete(actor=self.request.user, party=instance)


@extend_schema_view(
    list=extend_schema(summary="Consensus scores (the latest per application counts)", tags=TAGS),
    create=extend_schema(
        summary="Record a consensus score per criterion with a reason (officers)", tags=TAGS
    ),
)
class ConsensusViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = ConsensusSerializer
    permission_classes = [PolicyPermission]
    policy = {"list": READ, "create": MANAGE}
    filterset_fields = ["application"]
    ordering = ["-recorded_at", "-id"]

    def get_queryset(self):
        return _only_readers(self.request.user, ConsensusScore.objects.all())

    @idempotent
    def create(self, request: Request) -> Response:
        body = validated(ConsensusSerializer, request)
        data = body
        consensus = services.consensus_record(
            actor=request.user,
            application=data["application"],
            criterion_scores=data["criterion_scores"],
            reason=data["reason"],
        )
        return Response(ConsensusSerializer(consensus).data, status=201)


class RoundScoresView(APIView):
    """`/api/v1/round-scores/{round}/`: per eligible application the raw means, weighted total,
    calibrated total, spread, discussion flag, submitted reviews and consensus (rule 21)."""

    permission_classes = [PolicyPermission]
    policy = {"get": READ}

    @extend_schema(summary="The round's scores table", responses={200: RoundScoresSerializer}, tags=TAGS)
    def get(self, request: Request, round_id: int) -> Response:
        round_ = selectors.review_round_get(request.user, round_id)
        table = services.round_score_table(round_)
        return Response(
            {
                "round": round_.pk,
                "calibration_method": table.calibration.method,
                "calibration_min_reviews": table.calibration.min_reviews,
                "applications": ApplicationScoresSerializer(table.rows, many=True).data,
            }
        )
