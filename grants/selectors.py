"""Every read a user can trigger, scoped by role and organisation (another firm's object -> 404).

Lists carry their joins so a page of any length runs a fixed number of queries; the requested
amount is summed from budget lines in SQL, never stored.
"""

from __future__ import annotations

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from accounts.enums import Role
from core.errors import NotFound
from core.money import MoneyField
from grants.enums import RoundState
from grants.models import (
    Application,
    ApplicationVersion,
    BudgetLine,
    Clarification,
    CostCategory,
    Criterion,
    Document,
    PriorityArea,
    Program,
    Round,
    RoundPriorityArea,
)

# Ministry roles that read every application (reviewers get assignments in a later issue).
READ_ALL_ROLES = frozenset({Role.OFFICER, Role.AUDITOR, Role.ADMIN})


def _role(user) -> str:
    return getattr(user, "role", "") if getattr(user, "is_authenticated", False) else ""


def requested_amount_expression() -> Coalesce:
    """SUM(budget_lines.amount) per application as a correlated subquery (kopecks in SQL, Decimal out)."""
    total = (
        BudgetLine.objects.filter(application=OuterRef("pk"))
        .order_by()
        .values("application")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(total), Value(0), output_field=MoneyField())


def cost_categories() -> QuerySet[CostCategory]:
    return CostCategory.objects.all()


def priority_areas() -> QuerySet[PriorityArea]:
    return PriorityArea.objects.all()


def programs_visible_to(user) -> QuerySet[Program]:
    """Programs are public to every signed-in user: firms need them to decide where to apply."""
    if not _role(user):
        return Program.objects.none()
    return Program.objects.prefetch_related("cost_categories")


def rounds_visible_to(user) -> QuerySet[Round]:
    """Officers, auditors and admins see drafts too; everyone else sees rounds once they are open."""
    role = _role(user)
    if not role:
        return Round.objects.none()
    qs = Round.objects.select_related("program").prefetch_related(
        Prefetch("area_links", queryset=RoundPriorityArea.objects.select_related("area")),
        Prefetch("criteria", queryset=Criterion.objects.order_by("position", "id")),
    )
    if role not in READ_ALL_ROLES:
        qs = qs.exclude(state=RoundState.DRAFT)
    return qs


def applications_visible_to(user) -> QuerySet[Application]:
    """Applicants: their organisation's only. Officers, auditors, admins: all. Reviewers: none yet."""
    role = _role(user)
    qs = Application.objects.select_related("organisation", "round", "round__program", "priority_area")
    if role == Role.APPLICANT and user.organisation_id:
        qs = qs.filter(organisation_id=user.organisation_id)
    elif role not in READ_ALL_ROLES:
        return qs.none()
    return qs.annotate(requested_amount=requested_amount_expression())


def application_detail_queryset(user) -> QuerySet[Application]:
    """The scoped queryset with everything a detail page or API object shows, in a fixed number of queries."""
    return applications_visible_to(user).prefetch_related(
        Prefetch("budget_lines", queryset=BudgetLine.objects.select_related("category")),
        "trials",
        Prefetch("documents", queryset=Document.objects.filter(removed_at__isnull=True)),
        Prefetch("versions", queryset=ApplicationVersion.objects.defer("snapshot").order_by("number")),
        Prefetch("clarifications", queryset=Clarification.objects.prefetch_related("documents")),
        "screening",
    )


def application_get(user, pk: int | str) -> Application:
    """One application the user may see, with its parts; NotFound otherwise (also for another firm's)."""
    try:
        return application_detail_queryset(user).get(pk=int(pk))
    except (Application.DoesNotExist, ValueError, TypeError):
        raise NotFound("not_found", _("Application not found.")) from None


def round_get(user, pk: int | str) -> Round:
    try:
        return rounds_visible_to(user).get(pk=int(pk))
    except (Round.DoesNotExist, ValueError, TypeError):
        raise NotFound("not_found", _("Round not found.")) from None


def program_get(user, pk: int | str) -> Program:
    try:
        return programs_visible_to(user).get(pk=int(pk))
    except (Program.DoesNotExist, ValueError, TypeError):
        raise NotFound("not_found", _("Program not found.")) from None


def documents_visible_to(user) -> QuerySet[Document]:
    """Documents of applications the user may see, including files kept only in frozen versions."""
    return Document.objects.filter(application__in=applications_visible_to(user).values("pk")).select_related(
        "application"
    )


def document_get(user, pk: int | str) -> Document:
    try:
        return documents_visible_to(user).get(pk=int(pk))
    except (Document.DoesNotExist, ValueError, TypeError):
        raise NotFound("not_found", _("Document not found.")) from None


def clarifications_visible_to(user) -> QuerySet[Clarification]:
    return (
        Clarification.objects.filter(application__in=applications_visible_to(user).values("pk"))
        .select_related("application")
        .prefetch_related("documents")
    )


def clarification_get(user, pk: int | str) -> Clarification:
    try:
        return clarifications_visible_to(user).get(pk=int(pk))
    except (Clarification.DoesNotExist, ValueError, TypeError):
        raise NotFound("not_found", _("Clarification request not found.")) from None


def application_version_get(user, application_pk: int | str, number: int | str) -> ApplicationVersion:
    """A frozen version of a visible application (the receipt and what the ministry assesses)."""
    try:
        return ApplicationVersion.objects.select_related("application", "submitted_by").get(
            application__in=applications_visible_to(user).values("pk"),
            application_id=int(application_pk),
            number=int(number),
        )
    except (ApplicationVersion.DoesNotExist, ValueError, TypeError):
        raise NotFound("not_found", _("Version not found.")) from None


def round_state_counts(round_: Round) -> dict[str, int]:
    """Applications per state in a round, for the officer's round page (one query)."""
    rows = Application.objects.filter(round=round_).order_by().values("state").annotate(n=Count("id"))
    return {row["state"]: row["n"] for row in rows}


def application_requested_amount(application: Application):
    """The requested amount of one application, summed in SQL (Decimal roubles)."""
    return (
        Application.objects.filter(pk=application.pk)
        .annotate(total=requested_amount_expression())
        .values_list("total", flat=True)[0]
    )


# --- selection results (issue 5): what agreements are made from -------------------------------
def funding_decision_for(application: Application):
    """The committee's decision on the application (a `FundingDecision`), or None before it.

    Published only when `published_at` is set; an agreement needs outcome "selected" and a publication.
    """
    from grants.models import FundingDecision

    return FundingDecision.objects.filter(application_id=application.pk).first()


def selected_application_get(user, pk: int | str) -> Application:
    """An application the user may see whose published decision is "selected" (with
    `funding_decision` joined); NotFound otherwise, also for another firm's."""
    try:
        return (
            applications_visible_to(user)
            .select_related("funding_decision")
            .get(
                pk=int(pk),
                funding_decision__outcome="selected",
                funding_decision__published_at__isnull=False,
                funding_decision__reopened_at__isnull=True,
            )
        )
    except (Application.DoesNotExist, ValueError, TypeError):
        raise NotFound("not_found", _("No selected application with this number.")) from None
