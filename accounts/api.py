"""`/api/v1/me`, the personal API token, and organisations (officers write; applicants see their own)."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

import accounts.policy  # noqa: F401 - registers the organisation policies
from accounts import selectors, services
from accounts.enums import OrganisationKind
from accounts.models import Organisation
from accounts.serializers import ApiTokenSerializer, MeSerializer, OrganisationSerializer
from core.policy import PolicyPermission


class MeView(APIView):
    @extend_schema(
        operation_id="me_retrieve",
        summary="The signed-in person",
        responses={200: MeSerializer},
        tags=["accounts"],
    )
    def get(self, request: Request) -> Response:
        user = selectors.user_with_organisation(request.user)
        return Response(MeSerializer(user, context={"request": request}).data)


class MeTokenView(APIView):
    serializer_class = ApiTokenSerializer

    @extend_schema(
        operation_id="me_token_create",
        summary="Create or rotate your API token",
        description="Issues a new personal token; any previous token stops working. The key is returned once.",
        request=None,
        responses={201: ApiTokenSerializer},
        tags=["accounts"],
    )
    def post(self, request: Request) -> Response:
        token = services.api_token_create(user=request.user)
        return Response({"token": token.key, "created": token.created}, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="me_token_destroy",
        summary="Revoke your API token",
        request=None,
        responses={204: OpenApiResponse(description="Revoked (or there was none).")},
        tags=["accounts"],
    )
    def delete(self, request: Request) -> Response:
        services.api_token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class OrganisationFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=OrganisationKind.choices)

    class Meta:
        model = Organisation
        fields = ["kind", "is_individual_entrepreneur"]


@extend_schema_view(
    list=extend_schema(summary="Organisations you may see", tags=["accounts"]),
    retrieve=extend_schema(summary="One organisation", tags=["accounts"]),
    create=extend_schema(summary="Add an organisation (officers)", tags=["accounts"]),
    partial_update=extend_schema(summary="Correct an organisation's details (officers)", tags=["accounts"]),
)
class OrganisationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = OrganisationSerializer
    # Detail actions are checked against the object after the scoped lookup: another firm's is a 404.
    permission_classes = [PolicyPermission]
    policy = {
        "list": None,
        "retrieve": None,
        "create": "organisation.manage",
        "partial_update": "organisation.manage",
    }
    filterset_class = OrganisationFilter
    search_fields = ["name", "^inn"]
    ordering_fields = ["name", "created_at"]
    ordering = ["name", "id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.organisations_visible_to(self.request.user).order_by("name", "id")

    def perform_create(self, serializer: OrganisationSerializer) -> None:
        serializer.instance = services.organisation_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer: OrganisationSerializer) -> None:
        data = dict(serializer.validated_data)
        data.pop("kind", None)
        serializer.instance = services.organisation_update(
            actor=self.request.user, organisation=serializer.instance, **data
        )
