"""`/api/v1/documents/` and `/api/v1/clarifications/`: files and questions of visible applications."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import validated
from core.idempotency import idempotent
from core.policy import PolicyPermission
from grants import selectors, services
from grants.downloads import document_response
from grants.serializers import (
    ClarificationAnswerSerializer,
    ClarificationSerializer,
    DocumentSerializer,
    DocumentUploadSerializer,
)

EDIT = "grants.application.edit"
TAGS = ["grants"]


@extend_schema_view(
    retrieve=extend_schema(summary="One document's metadata", tags=TAGS),
    destroy=extend_schema(
        summary="Remove a document from the working copy (a submitted one stays as evidence)", tags=TAGS
    ),
)
class DocumentViewSet(mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    serializer_class = DocumentSerializer
    permission_classes = [PolicyPermission]
    policy = {"retrieve": None, "destroy": EDIT, "download": None}
    filter_backends: list = []

    def get_queryset(self):
        return selectors.documents_visible_to(self.request.user)

    def perform_destroy(self, instance) -> None:
        services.document_delete(actor=self.request.user, document=instance)

    @extend_schema(
        summary="Download the file (attachment, nosniff)",
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)},
        tags=TAGS,
    )
    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: str):
        return document_response(self.get_object())


@extend_schema_view(
    list=extend_schema(summary="Clarification requests on applications you may see", tags=TAGS),
    retrieve=extend_schema(summary="One clarification request", tags=TAGS),
)
class ClarificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ClarificationSerializer
    permission_classes = [PolicyPermission]
    policy = {"list": None, "retrieve": None, "answer": EDIT, "documents": EDIT}
    ordering_fields = ["asked_at", "due_at"]
    ordering = ["-asked_at", "-id"]
    search_fields: list = []

    def get_queryset(self):
        return selectors.clarifications_visible_to(self.request.user)

    def _show(self, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
        clarification = selectors.clarification_get(self.request.user, pk)
        return Response(
            ClarificationSerializer(clarification, context=self.get_serializer_context()).data,
            status=status_code,
        )

    @extend_schema(
        summary="Answer before the due time (the frozen version is not edited)",
        request=ClarificationAnswerSerializer,
        responses={200: ClarificationSerializer},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def answer(self, request: Request, pk: str) -> Response:
        clarification = self.get_object()  # 404 before anything about the body
        body = validated(ClarificationAnswerSerializer, request)
        services.clarification_answer(actor=request.user, clarification=clarification, answer=body["answer"])
        return self._show(clarification.pk)

    @extend_schema(
        summary="Attach a file to the answer (multipart)",
        request={"multipart/form-data": DocumentUploadSerializer},
        responses={201: DocumentSerializer},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    @idempotent
    def documents(self, request: Request, pk: str) -> Response:
        clarification = self.get_object()  # 404 before anything about the body
        body = validated(DocumentUploadSerializer, request)
        document = services.document_upload(
            actor=request.user,
            application=clarification.application,
            upload=body["file"],
            clarification=clarification,
        )
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)
