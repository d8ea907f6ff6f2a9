"""`/api/v1/applications/`: the firm's drafts and submissions, the officer's screening.

Every object is found through the scoped selectors, so another firm's application, line, trial or
version is a 404; the policy map answers 403 to roles that may read but not write (auditors).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import validated
from core.errors import DomainError
from core.idempotency import idempotent
from core.pagination import DeferredJoinPagination
from core.policy import PolicyPermission
from grants import selectors, services
from grants.filters import ApplicationFilter
from grants.models import BudgetLine, CoveredTrial
from grants.serializers import (
    ApplicationDetailSerializer,
    ApplicationListSerializer,
    ApplicationWriteSerializer,
    BudgetLineInputSerializer,
    BudgetLineSerializer,
    ClarificationRequestSerializer,
    ClarificationSerializer,
    DocumentSerializer,
    DocumentUploadSerializer,
    ProblemsSerializer,
    ReasonSerializer,
    ScreeningSerializer,
    ScreenInputSerializer,
    TrialInputSerializer,
    TrialSerializer,
    VersionDetailSerializer,
)

EDIT = "grants.application.edit"
TAGS = ["grants"]


@extend_schema_view(
    list=extend_schema(summary="Applications you may see (firms: their own)", tags=TAGS),
    retrieve=extend_schema(summary="One application with its parts and allowed actions", tags=TAGS),
)
class ApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [PolicyPermission]
    policy = {
        "list": None,
        "retrieve": None,
        "create": "grants.application.create",
        "partial_update": EDIT,
        "problems": None,
        "submit": EDIT,
        "withdraw": EDIT,
        "screen": "grants.manage",
        "budget_lines": EDIT,
        "budget_line": EDIT,
        "trials": EDIT,
        "trial": EDIT,
        "documents": EDIT,
        "version": None,
        "clarifications": "grants.manage",
    }
    # Deep pages (the round table's last of 200) page over ids, then fetch 25 rows with their sums.
    pagination_class = DeferredJoinPagination
    filterset_class = ApplicationFilter
    search_fields = ["title", "organisation__name", "=organisation__inn"]
    ordering_fields = ["created_at", "submitted_at", "title", "requested_amount", "state"]
    ordering = ["-created_at", "-id"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if self.action == "list":
            return selectors.applications_visible_to(self.request.user)
        return selectors.application_detail_queryset(self.request.user)

    def get_serializer_class(self):
        if self.action == "list":
            return ApplicationListSerializer
        return ApplicationDetailSerializer

    def _show(self, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
        application = selectors.application_get(self.request.user, pk)
        data = ApplicationDetailSerializer(application, context=self.get_serializer_context()).data
        return Response(data, status=status_code)

    @extend_schema(
        summary="Start a draft (applicants)",
        request=ApplicationWriteSerializer,
        responses={201: ApplicationDetailSerializer},
        tags=TAGS,
    )
    @idempotent
    def create(self, request: Request) -> Response:
        body = validated(ApplicationWriteSerializer, request)
        data = dict(body)
        if "round" not in data:
            raise DomainError("required", _("Choose the round to apply to."), "round")
        round_ = selectors.round_get(request.user, data.pop("round"))
        application = services.application_create(
            actor=request.user, round=round_, title=data.pop("title", ""), **data
        )
        return self._show(application.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Save draft fields (the working copy)",
        request=ApplicationWriteSerializer,
        responses={200: ApplicationDetailSerializer},
        tags=TAGS,
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        application = self.get_object()
        data = dict(validated(ApplicationWriteSerializer, request, partial=True))
        data.pop("round", None)
        services.application_update(actor=request.user, application=application, **data)
        return self._show(application.pk)

    @extend_schema(summary="What still blocks submission", responses={200: ProblemsSerializer}, tags=TAGS)
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def problems(self, request: Request, pk: str) -> Response:
        problems = services.application_problems(self.get_object())
        return Response({"complete": not problems, "problems": problems})

    @extend_schema(
        summary="Submit or resubmit: freezes version n+1 (refused at or after the close: round_closed)",
        request=None,
        responses={201: VersionDetailSerializer},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def submit(self, request: Request, pk: str) -> Response:
        version = services.application_submit(actor=request.user, application=self.get_object())
        return Response(VersionDetailSerializer(version).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Withdraw before the decision",
        request=ReasonSerializer,
        responses={200: ApplicationDetailSerializer},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def withdraw(self, request: Request, pk: str) -> Response:
        application = self.get_object()  # 404 before anything about the body
        body = validated(ReasonSerializer, request)
        services.application_withdraw(actor=request.user, application=application, reason=body["reason"])
        return self._show(application.pk)

    @extend_schema(
        summary="Screen after the close: eligible or ineligible with a reason (officers)",
        request=ScreenInputSerializer,
        responses={201: ScreeningSerializer},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def screen(self, request: Request, pk: str) -> Response:
        application = self.get_object()  # 404 before anything about the body
        body = validated(ScreenInputSerializer, request)
        decision = services.application_screen(actor=request.user, application=application, **body)
        return Response(ScreeningSerializer(decision).data, status=status.HTTP_201_CREATED)

    # --- budget lines -----------------------------------------------------------------------
    @extend_schema(
        summary="Add a budget line",
        request=BudgetLineInputSerializer,
        responses={201: BudgetLineSerializer},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"], url_path="budget-lines")
    @idempotent
    def budget_lines(self, request: Request, pk: str) -> Response:
        application = self.get_object()  # 404 before anything about the body
        body = validated(BudgetLineInputSerializer, request)
        line = services.budget_line_add(actor=request.user, application=application, **body)
        return Response(BudgetLineSerializer(line).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["PATCH"],
        summary="Change a budget line",
        request=BudgetLineInputSerializer,
        responses={200: BudgetLineSerializer},
        tags=TAGS,
    )
    @extend_schema(
        methods=["DELETE"], summary="Delete a budget line", responses={204: OpenApiResponse()}, tags=TAGS
    )
    @action(detail=True, methods=["patch", "delete"], url_path=r"budget-lines/(?P<line_pk>[0-9]+)")
    def budget_line(self, request: Request, pk: str, line_pk: str) -> Response:
        return self._change_row(
            request,
            BudgetLine,
            line_pk,
            "line",
            BudgetLineInputSerializer,
            BudgetLineSerializer,
            services.budget_line_update,
            services.budget_line_delete,
        )

    # --- covered trials ---------------------------------------------------------------------
    @extend_schema(
        summary="Add a covered trial", request=TrialSerializer, responses={201: TrialSerializer}, tags=TAGS
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def trials(self, request: Request, pk: str) -> Response:
        application = self.get_object()  # 404 before anything about the body
        body = validated(TrialInputSerializer, request)
        trial = services.trial_add(actor=request.user, application=application, **body)
        return Response(TrialSerializer(trial).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["PATCH"],
        summary="Change a covered trial",
        request=TrialSerializer,
        responses={200: TrialSerializer},
        tags=TAGS,
    )
    @extend_schema(
        methods=["DELETE"], summary="Remove a covered trial", responses={204: OpenApiResponse()}, tags=TAGS
    )
    @action(detail=True, methods=["patch", "delete"], url_path=r"trials/(?P<trial_pk>[0-9]+)")
    def trial(self, request: Request, pk: str, trial_pk: str) -> Response:
        return self._change_row(
            request,
            CoveredTrial,
            trial_pk,
            "trial",
            TrialInputSerializer,
            TrialSerializer,
            services.trial_update,
            services.trial_delete,
        )

    def _change_row(
        self, request, model, row_pk, name, input_class, output_class, update, delete
    ) -> Response:
        """PATCH or DELETE one row (budget line, covered trial) of an application the user may see."""
        row = model.objects.filter(application=self.get_object(), pk=row_pk).first()
        if row is None:
            raise NotFound()
        if request.method == "DELETE":
            delete(actor=request.user, **{name: row})
            return Response(status=status.HTTP_204_NO_CONTENT)
        row = update(actor=request.user, **{name: row}, **validated(input_class, request, partial=True))
        return Response(output_class(row).data)

    # --- documents, versions, clarifications ------------------------------------------------
    @extend_schema(
        summary="Upload a document (multipart; PDF, DOCX, XLSX, PNG, JPEG by content)",
        request={"multipart/form-data": DocumentUploadSerializer},
        responses={201: DocumentSerializer},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    @idempotent
    def documents(self, request: Request, pk: str) -> Response:
        application = self.get_object()  # 404 before anything about the body
        body = validated(DocumentUploadSerializer, request)
        document = services.document_upload(
            actor=request.user,
            application=application,
            upload=body["file"],
            kind=body["kind"],
        )
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="A frozen version: the submission receipt",
        responses={200: VersionDetailSerializer},
        tags=TAGS,
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"versions/(?P<number>[0-9]+)",
        filter_backends=[],
        pagination_class=None,
    )
    def version(self, request: Request, pk: str, number: str) -> Response:
        application = self.get_object()
        version = selectors.application_version_get(request.user, application.pk, number)
        return Response(VersionDetailSerializer(version).data)

    @extend_schema(
        summary="Ask the firm a question with a due time (officers)",
        request=ClarificationRequestSerializer,
        responses={201: ClarificationSerializer},
        tags=TAGS,
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def clarifications(self, request: Request, pk: str) -> Response:
        application = self.get_object()  # 404 before anything about the body
        body = validated(ClarificationRequestSerializer, request)
        clarification = services.clarification_request(actor=request.user, application=application, **body)
        clarification = selectors.clarification_get(request.user, clarification.pk)
        data = ClarificationSerializer(clarification, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)
