"""`/api/v1/assignments/` and `/api/v1/reviews/`: the reviewer's work and the officer's moves.

Objects come from the scoped selectors: another reviewer's assignment, or one with a conflict, is a
404; content before the declaration is a 403 "declaration_required"; other reviews before one's own
submission a 403 "submit_first".
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import validated
from core.errors import NotFound
from core.idempotency import idempotent
from core.policy import PolicyPermission
from reviewers import selectors, services
from reviewers.policy import reads_all
from reviewers.serializers import (
    AnonymousReviewSerializer,
    ApplicationContentSerializer,
    AssignmentSerializer,
    ConflictDeclarationSerializer,
    DeclarationSerializer,
    ReviewInputSerializer,
    ReviewReasonSerializer,
    ReviewSerializer,
    SwapSerializer,
)

TAGS = ["reviewers"]
REVIEW = "reviewers.review"
MANAGE = "reviewers.manage"


@extend_schema_view(
    list=extend_schema(
        summary="Assignments you may see (reviewers: their own, never a conflicted one)", tags=TAGS
    ),
    retrieve=extend_schema(summary="One assignment with its allowed actions", tags=TAGS),
)
class AssignmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = AssignmentSerializer
    permission_classes = [PolicyPermission]
    policy = {
        "list": None,
        "retrieve": None,
        "declare": REVIEW,
        "declare_conflict": REVIEW,
        "decline": REVIEW,
        "application": REVIEW,
        "review": REVIEW,
        "submit": REVIEW,
        "other_reviews": None,
        "swap": MANAGE,
        "reassign": MANAGE,
    }
    filterset_fields = ["round", "state", "application"]
    ordering_fields = ["due_at", "assigned_at"]
    ordering = ["due_at", "id"]

    def get_queryset(self):
        return selectors.assignments_visible_to(self.request.user)

    def _show(self, pk: int) -> Response:
        assignment = selectors.assignment_get(self.request.user, pk)
        return Response(AssignmentSerializer(assignment, context=self.get_serializer_context()).data)

    @extend_schema(summary="Declare no conflict and confidentiality (opens the content)", request=DeclarationSerializer,
                   responses={200: AssignmentSerializer}, tags=TAGS)  # fmt: skip
    @action(detail=True, methods=["post"])
    @idempotent
    def declare(self, request: Request, pk: str) -> Response:
        assignment = self.get_object()  # 404 or 403 before the body is read
        body = validated(DeclarationSerializer, request)
        assignment = services.assignment_declare(actor=request.user, assignment=assignment, **body)
        return self._show(assignment.pk)

    @extend_schema(summary="Declare a conflict: access ends, unsubmitted scores are voided",
                   request=ConflictDeclarationSerializer, responses={204: None}, tags=TAGS)  # fmt: skip
    @action(detail=True, methods=["post"], url_path="declare-conflict")
    @idempotent
    def declare_conflict(self, request: Request, pk: str) -> Response:
        assignment = self.get_object()
        body = validated(ConflictDeclarationSerializer, request)
        services.assignment_declare_conflict(
            actor=request.user, assignment=assignment, description=body["description"]
        )
        return Response(status=204)

    @extend_schema(summary="Decline with a reason (the application is reassigned)", request=ReviewReasonSerializer,
                   responses={204: None}, tags=TAGS)  # fmt: skip
    @action(detail=True, methods=["post"])
    @idempotent
    def decline(self, request: Request, pk: str) -> Response:
        assignment = self.get_object()
        body = validated(ReviewReasonSerializer, request)
        services.assignment_decline(actor=request.user, assignment=assignment, reason=body["reason"])
        return Response(status=204)

    @extend_schema(summary="The frozen version to score (after the declaration)",
                   responses={200: ApplicationContentSerializer}, tags=TAGS)  # fmt: skip
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def application(self, request: Request, pk: str) -> Response:
        view = selectors.reviewer_view(request.user, self.get_object().application_id)
        version = view.version
        return Response(
            {
                "application": view.assignment.application_id,
                "version": version.number,
                "submitted_at": version.submitted_at,
                "content": version.snapshot,
            }
        )

    @extend_schema(
        methods=["GET"],
        summary="Your review (draft or submitted)",
        responses={200: ReviewSerializer},
        tags=TAGS,
    )
    @extend_schema(methods=["PUT"], summary="Save the draft: scores by criterion code, comments",
                   request=ReviewInputSerializer, responses={200: ReviewSerializer}, tags=TAGS)  # fmt: skip
    @action(detail=True, methods=["get", "put"], filter_backends=[], pagination_class=None)
    def review(self, request: Request, pk: str) -> Response:
        view = selectors.reviewer_view(request.user, self.get_object().application_id)
        if request.method == "PUT":
            body = validated(ReviewInputSerializer, request)
            services.review_save_draft(actor=request.user, review=view.review, **body)
        review = selectors.review_get(request.user, view.review.pk)
        return Response(ReviewSerializer(review, context=self.get_serializer_context()).data)

    @extend_schema(summary="Submit (only complete: every criterion scored on its step, with a comment)",
                   request=ReviewInputSerializer, responses={200: ReviewSerializer}, tags=TAGS)  # fmt: skip
    @action(detail=True, methods=["post"])
    @idempotent
    def submit(self, request: Request, pk: str) -> Response:
        view = selectors.reviewer_view(request.user, self.get_object().application_id)
        body = validated(ReviewInputSerializer, request)
        services.review_submit(actor=request.user, review=view.review, **body)
        review = selectors.review_get(request.user, view.review.pk)
        return Response(ReviewSerializer(review, context=self.get_serializer_context()).data)

    @extend_schema(summary="The other submitted reviews (reviewers: after submitting their own; anonymous)",
                   responses={200: AnonymousReviewSerializer(many=True)}, tags=TAGS)  # fmt: skip
    @action(detail=True, methods=["get"], url_path="other-reviews", filter_backends=[], pagination_class=None)
    def other_reviews(self, request: Request, pk: str) -> Response:
        reviews = selectors.other_reviews(request.user, self.get_object())
        if reads_all(request.user):
            return Response(ReviewSerializer(reviews, many=True, context=self.get_serializer_context()).data)
        rows = [
            {
                "label": _("Reviewer %(n)d") % {"n": n},
                "overall_comment": r.overall_comment,
                "scores": r.scores.all(),
                "submitted_at": r.submitted_at,
            }
            for n, r in enumerate(reviews, start=1)
        ]
        return Response(AnonymousReviewSerializer(rows, many=True).data)

    @extend_schema(summary="Replace the reviewer by hand (officers; conflicts and loads enforced)",
                   request=SwapSerializer, responses={201: AssignmentSerializer}, tags=TAGS)  # fmt: skip
    @action(detail=True, methods=["post"])
    @idempotent
    def swap(self, request: Request, pk: str) -> Response:
        assignment = self.get_object()
        body = validated(SwapSerializer, request)
        reviewer = get_user_model().objects.filter(pk=body["reviewer"]).first()
        if reviewer is None:
            raise NotFound("not_found", _("Reviewer not found."), "reviewer")
        new = services.assignment_swap(
            actor=request.user,
            assignment=assignment,
            reviewer=reviewer,
            reason=body["reason"],
        )
        data = AssignmentSerializer(
            selectors.assignment_get(request.user, new.pk), context=self.get_serializer_context()
        )
        return Response(data.data, status=201)

    @extend_schema(summary="Take the review away (e.g. overdue); the solver picks a replacement (officers)",
                   request=ReviewReasonSerializer, responses={200: AssignmentSerializer}, tags=TAGS)  # fmt: skip
    @action(detail=True, methods=["post"])
    @idempotent
    def reassign(self, request: Request, pk: str) -> Response:
        assignment = self.get_object()
        body = validated(ReviewReasonSerializer, request)
        ended = services.assignment_reassign(actor=request.user, assignment=assignment, reason=body["reason"])
        return self._show(ended.pk)


@extend_schema_view(
    list=extend_schema(
        summary="Reviews you may see (reviewers: their own; officers and auditors: all)", tags=TAGS
    ),
    retrieve=extend_schema(summary="One review with its scores", tags=TAGS),
)
class ReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ReviewSerializer
    permission_classes = [PolicyPermission]
    policy = {"list": None, "retrieve": None, "reopen": MANAGE}
    filterset_fields = ["state"]
    ordering = ["id"]

    def get_queryset(self):
        return selectors.reviews_visible_to(self.request.user)

    @extend_schema(summary="Reopen a submitted review with a reason (officers)", request=ReviewReasonSerializer,
                   responses={200: ReviewSerializer}, tags=TAGS)  # fmt: skip
    @action(detail=True, methods=["post"])
    @idempotent
    def reopen(self, request: Request, pk: str) -> Response:
        review = self.get_object()
        body = validated(ReviewReasonSerializer, request)
        services.review_reopen(actor=request.user, review=review, reason=body["reason"])
        review = selectors.review_get(request.user, pk)
        return Response(ReviewSerializer(review, context=self.get_serializer_context()).data)
