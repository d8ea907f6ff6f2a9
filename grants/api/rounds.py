"""`/api/v1/` reference lists, programs and rounds. Officers write; everyone signed in reads."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import validated
from core.idempotency import idempotent
from core.policy import PolicyPermission
from grants import selectors, services
from grants.filters import RoundFilter
from grants.serializers import (
    CostCategorySerializer,
    ExtendDatesSerializer,
    PriorityAreaSerializer,
    PriorityAreasInputSerializer,
    ProgramSerializer,
    ReasonSerializer,
    RoundSerializer,
    RoundWriteSerializer,
    RubricSerializer,
)
from grants.workflow import ROUND_WORKFLOW

READ = {"list": None, "retrieve": None}


@extend_schema_view(list=extend_schema(summary="Clinical-trial cost categories", tags=["grants"]))
class CostCategoryViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = CostCategorySerializer
    permission_classes = [PolicyPermission]
    policy = {"list": None}
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self):
        return selectors.cost_categories()


@extend_schema_view(list=extend_schema(summary="Priority areas of the council's list", tags=["grants"]))
class PriorityAreaViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = PriorityAreaSerializer
    permission_classes = [PolicyPermission]
    policy = {"list": None}
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self):
        return selectors.priority_areas()


@extend_schema_view(
    list=extend_schema(summary="Programs", tags=["grants"]),
    retrieve=extend_schema(summary="One program", tags=["grants"]),
    create=extend_schema(summary="Create a program (officers)", tags=["grants"]),
    partial_update=extend_schema(summary="Change a program (officers)", tags=["grants"]),
)
class ProgramViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = ProgramSerializer
    permission_classes = [PolicyPermission]
    policy = {**READ, "create": "grants.manage", "partial_update": "grants.manage"}
    search_fields = ["name"]
    ordering_fields = ["name", "created_at"]
    ordering = ["-created_at", "-id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.programs_visible_to(self.request.user)

    @idempotent
    def create(self, request: Request, *args, **kwargs) -> Response:
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer: ProgramSerializer) -> None:
        data = dict(serializer.validated_data)
        categories = data.pop("cost_categories", None)
        serializer.instance = services.program_create(
            actor=self.request.user,
            cost_categories=[c.code for c in categories] if categories is not None else None,
            **data,
        )

    def perform_update(self, serializer: ProgramSerializer) -> None:
        data = dict(serializer.validated_data)
        categories = data.pop("cost_categories", None)
        serializer.instance = services.program_update(
            actor=self.request.user,
            program=serializer.instance,
            cost_categories=[c.code for c in categories] if categories is not None else None,
            **data,
        )


@extend_schema_view(
    list=extend_schema(summary="Rounds (drafts only for ministry staff)", tags=["grants"]),
    retrieve=extend_schema(summary="One round with its rubric and priority areas", tags=["grants"]),
    create=extend_schema(
        summary="Create a draft round (officers)",
        request=RoundWriteSerializer,
        responses={201: RoundSerializer},
        tags=["grants"],
    ),
    partial_update=extend_schema(
        summary="Change a round (officers); rubric settings frozen once open",
        request=RoundWriteSerializer,
        responses={200: RoundSerializer},
        tags=["grants"],
    ),
)
class RoundViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = RoundSerializer
    permission_classes = [PolicyPermission]
    policy = {
        **READ,
        "create": "grants.manage",
        "partial_update": "grants.manage",
        "transition": "grants.manage",
        "extend_dates": "grants.manage",
        "rubric": "grants.manage",
        "priority_areas": "grants.manage",
        "counts": "grants.read_all",
    }
    filterset_class = RoundFilter
    search_fields = ["title", "program__name"]
    ordering_fields = ["opens_at", "closes_at", "title", "created_at"]
    ordering = ["-opens_at", "-id"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.rounds_visible_to(self.request.user)

    def _show(self, round_id: int, status_code: int = status.HTTP_200_OK) -> Response:
        round_ = selectors.round_get(self.request.user, round_id)
        return Response(
            RoundSerializer(round_, context=self.get_serializer_context()).data, status=status_code
        )

    @idempotent
    def create(self, request: Request, *args, **kwargs) -> Response:
        data = dict(validated(RoundWriteSerializer, request))
        program = selectors.program_get(request.user, data.pop("program").pk)
        round_ = services.round_create(actor=request.user, program=program, **data)
        return self._show(round_.pk, status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        round_ = self.get_object()
        serializer = RoundWriteSerializer(round_, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("program", None)
        data.pop("with_default_rubric", None)
        services.round_update(actor=request.user, round=round_, **data)
        return self._show(round_.pk)

    @extend_schema(
        summary="Move the round along its workflow",
        description="Actions: " + ", ".join(ROUND_WORKFLOW.actions) + ". Refusals name the guard's reason.",
        parameters=[
            OpenApiParameter("name", OpenApiTypes.STR, OpenApiParameter.PATH, enum=ROUND_WORKFLOW.actions)
        ],
        request=ReasonSerializer,
        responses={200: RoundSerializer},
        tags=["grants"],
    )
    @action(detail=True, methods=["post"], url_path=r"actions/(?P<name>[a-z_]+)")
    @idempotent
    def transition(self, request: Request, pk: str, name: str) -> Response:
        round_ = self.get_object()
        body = validated(ReasonSerializer, request)
        services.round_transition(actor=request.user, round=round_, action=name, reason=body["reason"])
        return self._show(round_.pk)

    @extend_schema(
        summary="Extend dates of an open round (later only, with a reason)",
        request=ExtendDatesSerializer,
        responses={200: RoundSerializer},
        tags=["grants"],
    )
    @action(detail=True, methods=["post"], url_path="extend-dates")
    @idempotent
    def extend_dates(self, request: Request, pk: str) -> Response:
        round_ = self.get_object()
        body = validated(ExtendDatesSerializer, request)
        services.round_extend_dates(actor=request.user, round=round_, **body)
        return self._show(round_.pk)

    @extend_schema(
        summary="Replace the rubric (draft rounds)",
        request=RubricSerializer,
        responses={200: RoundSerializer},
        tags=["grants"],
    )
    @action(detail=True, methods=["put"])
    def rubric(self, request: Request, pk: str) -> Response:
        round_ = self.get_object()
        body = validated(RubricSerializer, request)
        services.round_set_rubric(actor=request.user, round=round_, criteria=body["criteria"])
        return self._show(round_.pk)

    @extend_schema(
        summary="Admit priority areas with optional quotas (draft rounds; quotas sum to at most the budget)",
        request=PriorityAreasInputSerializer,
        responses={200: RoundSerializer},
        tags=["grants"],
    )
    @action(detail=True, methods=["put"], url_path="priority-areas")
    def priority_areas(self, request: Request, pk: str) -> Response:
        round_ = self.get_object()
        body = validated(PriorityAreasInputSerializer, request)
        areas = [(item["area"]["code"], item.get("quota")) for item in body["areas"]]
        services.round_set_priority_areas(actor=request.user, round=round_, areas=areas)
        return self._show(round_.pk)

    @extend_schema(
        summary="Applications per state in the round",
        responses={200: {"type": "object", "additionalProperties": {"type": "integer"}}},
        tags=["grants"],
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def counts(self, request: Request, pk: str) -> Response:
        return Response(selectors.round_state_counts(self.get_object()))
