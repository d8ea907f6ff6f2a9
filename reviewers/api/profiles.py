"""`/api/v1/reviewer-profiles/`: a reviewer keeps their own profile (`me`), officers see and correct
all, auditors read. Ties and competing projects are added on a profile and removed by id."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import validated
from core.idempotency import idempotent
from core.policy import PolicyPermission
from reviewers import selectors, services
from reviewers.models import Affiliation, CompetingProject
from reviewers.serializers import (
    AffiliationInputSerializer,
    AffiliationSerializer,
    CompetingProjectSerializer,
    ExpertiseInputSerializer,
    ReviewerProfileSerializer,
)

TAGS = ["reviewers"]
EDIT = "reviewers.profile.edit"


@extend_schema_view(
    list=extend_schema(summary="Reviewer profiles (reviewers: their own)", tags=TAGS),
    retrieve=extend_schema(summary="One profile with ties and competing projects", tags=TAGS),
    partial_update=extend_schema(
        summary="Correct expertise (the reviewer or an officer)", request=ExpertiseInputSerializer, tags=TAGS
    ),
)
class ReviewerProfileViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ReviewerProfileSerializer
    permission_classes = [PolicyPermission]
    policy = {
        "list": None,
        "retrieve": None,
        "partial_update": EDIT,
        "me": "reviewers.review",  # only reviewers have a profile of their own: 403 to everyone else
        "affiliations": EDIT,
        "competing_projects": EDIT,
    }
    http_method_names = ["get", "post", "patch", "head", "options"]
    ordering = ["user__last_name", "user__first_name", "id"]

    def get_queryset(self):
        return selectors.profiles_visible_to(self.request.user)

    def _show(self, pk: int) -> Response:
        return Response(ReviewerProfileSerializer(selectors.profile_get(self.request.user, pk)).data)

    def _update(self, profile) -> Response:
        body = validated(ExpertiseInputSerializer, self.request)
        services.profile_update(actor=self.request.user, profile=profile, **body)
        return self._show(profile.pk)

    def partial_update(self, request: Request, pk: str) -> Response:
        return self._update(self.get_object())

    @extend_schema(
        methods=["GET"],
        summary="Your own profile (reviewers)",
        responses={200: ReviewerProfileSerializer},
        tags=TAGS,
    )
    @extend_schema(methods=["PATCH"], summary="Change your expertise", request=ExpertiseInputSerializer,
                   responses={200: ReviewerProfileSerializer}, tags=TAGS)  # fmt: skip
    @action(detail=False, methods=["get", "patch"], filter_backends=[], pagination_class=None)
    def me(self, request: Request) -> Response:
        profile = services.profile_of(request.user)
        if request.method == "PATCH":
            return self._update(profile)
        return self._show(profile.pk)

    @extend_schema(summary="Record a tie to an organisation (conflicts are re-checked at once)",
                   request=AffiliationInputSerializer, responses={201: AffiliationSerializer}, tags=TAGS)  # fmt: skip
    @action(detail=True, methods=["post"])
    @idempotent
    def affiliations(self, request: Request, pk: str) -> Response:
        profile = self.get_object()  # 404 or 403 before the body is read
        body = validated(AffiliationInputSerializer, request)
        affiliation = services.affiliation_add(actor=request.user, profile=profile, **body)
        return Response(AffiliationSerializer(affiliation).data, status=201)

    @extend_schema(summary="Declare a competing project (a potential conflict on the same target or indication)",
                   request=CompetingProjectSerializer, responses={201: CompetingProjectSerializer}, tags=TAGS)  # fmt: skip
    @action(detail=True, methods=["post"], url_path="competing-projects")
    @idempotent
    def competing_projects(self, request: Request, pk: str) -> Response:
        profile = self.get_object()
        body = validated(CompetingProjectSerializer, request)
        project = services.competing_project_add(actor=request.user, profile=profile, **body)
        return Response(CompetingProjectSerializer(project).data, status=201)


@extend_schema_view(destroy=extend_schema(summary="Remove a tie entered by mistake", tags=TAGS))
class AffiliationViewSet(mixins.DestroyModelMixin, viewsets.GenericViewSet):
    serializer_class = AffiliationSerializer
    permission_classes = [PolicyPermission]
    policy = {"destroy": None}  # the service checks the profile's owner or an officer

    def get_queryset(self):
        return Affiliation.objects.filter(
            profile__in=selectors.profiles_visible_to(self.request.user).values("pk")
        )

    def perform_destroy(self, instance: Affiliation) -> None:
        services.affiliation_delete(actor=self.request.user, affiliation=instance)


@extend_schema_view(destroy=extend_schema(summary="Remove a competing project", tags=TAGS))
class CompetingProjectViewSet(mixins.DestroyModelMixin, viewsets.GenericViewSet):
    serializer_class = CompetingProjectSerializer
    permission_classes = [PolicyPermission]
    policy = {"destroy": None}

    def get_queryset(self):
        return CompetingProject.objects.filter(
            profile__in=selectors.profiles_visible_to(self.request.user).values("pk")
        )

    def perform_destroy(self, instance: CompetingProject) -> None:
        services.competing_project_delete(actor=self.request.user, project=instance)
