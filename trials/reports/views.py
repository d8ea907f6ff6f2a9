"""The auditor's pages: the report with charts, its drill-downs (agreements -> one agreement -> one
claim) and the printable payout dossier. Read-only: nothing here writes (rule 37)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from core import policy
from trials.balances import agreement_balances
from trials.reports import dossier, drill, queries
from trials.reports.filters import GROUPINGS, ReportFilterForm, ReportFilters

READ_ALL = "trials.read_all"
ROWS_PER_PAGE = 50
AGREEMENTS_PER_PAGE = 25
FIGURE_LABELS = (
    ("committed", _("Committed")),
    ("released", _("Released")),
    ("verified", _("Verified costs")),
    ("approved", _("Approved")),
    ("paid", _("Paid")),
    ("recovered", _("Recovered")),
)
XLSX_TABLES = (("report", _("Report (XLSX)")), ("ledger", _("Ledger entries (XLSX)")))


def require_reader(request: HttpRequest) -> None:
    """403 with the policy's reason for anyone but officers, auditors and administrators."""
    decision = policy.can(request.user, READ_ALL)
    if not decision:
        raise PermissionDenied(decision.reason)


def read_filters(request: HttpRequest) -> tuple[ReportFilterForm, ReportFilters | None]:
    """The filters from the query string, or None with the form's errors when they are invalid."""
    form = ReportFilterForm(request.GET)
    return form, (form.filters() if form.is_valid() else None)


def _invalid(request: HttpRequest, template: str, form: ReportFilterForm, **context: Any) -> HttpResponse:
    return render(request, template, {"form": form, "invalid": True, **context}, status=400)


@login_required
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    """The report: one row per group with every figure, totals, charts and export buttons."""
    require_reader(request)
    form, filters = read_filters(request)
    if filters is None:
        return _invalid(request, "trials/reports/report.html", form)
    result = queries.build_report(request.user, filters)
    page = Paginator(result.rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    # A row's drill-down keeps the report's filters and narrows them to the row's group.
    base = {key: value for key, value in filters.as_query().items() if key != "by"}
    return render(
        request,
        "trials/reports/report.html",
        {
            "form": form,
            "filters": filters,
            "report": result,
            "page_obj": page,
            "rows": [(row, urlencode({**base, **row.drill})) for row in page],
            "group_label": dict(GROUPINGS)[filters.by],
            "charts": queries.chart_data(request.user, filters),
            "query": urlencode(filters.as_query()),
            "show_budget": filters.by == "round" and not filters.is_period,
            "xlsx_tables": XLSX_TABLES,
        },
    )


@login_required
@require_GET
def agreements(request: HttpRequest) -> HttpResponse:
    """The agreements behind one report cell, each with every figure, and the cell's total."""
    require_reader(request)
    form, filters = read_filters(request)
    figure = request.GET.get("figure", "paid")
    if filters is None or figure not in queries.DRILL_FIGURES:
        return _invalid(
            request, "trials/reports/agreements.html", form, figure=figure, figure_labels=FIGURE_LABELS
        )
    found = drill.agreements_with_figure(request.user, filters, figure)
    page = Paginator(found, AGREEMENTS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [
        (agreement, {name: drill.signed(agreement, name) for name in queries.DRILL_FIGURES})
        for agreement in page
    ]
    return render(
        request,
        "trials/reports/agreements.html",
        {
            "form": form,
            "filters": filters,
            "figure": figure,
            "page_obj": page,
            "rows": rows,
            "total": queries.figure_total(request.user, filters, figure),
            "query": urlencode(filters.as_query()),
            "figure_labels": FIGURE_LABELS,
        },
    )


@login_required
@require_GET
def agreement(request: HttpRequest, pk: int) -> HttpResponse:
    """One agreement's money: balances, ledger entries in the window, claims, payouts with their
    approval events, recoveries."""
    require_reader(request)
    # Bad filters on a drill-down page fall back to "now, everything": the page is still right.
    filters = read_filters(request)[1] or ReportFilters()
    found = drill.agreement_get(request.user, pk)
    payouts = drill.payouts_of(found)
    return render(
        request,
        "trials/reports/agreement.html",
        {
            "agreement": found,
            "filters": filters,
            "query": urlencode(filters.as_query()),
            "balances": agreement_balances(found, filters.as_of),
            "entries": drill.ledger_of(found, filters),
            "claims": drill.claims_of(found),
            "payouts": drill.payout_stories(request.user, payouts),
            "recoveries": drill.recoveries_of(found),
        },
    )


@login_required
@require_GET
def claim(request: HttpRequest, pk: int) -> HttpResponse:
    """One claim: every line with its verification outcome and reason, its evidence files and the
    audit events of its verification."""
    require_reader(request)
    found = drill.claim_get(request.user, pk)
    return render(
        request,
        "trials/reports/claim.html",
        {"claim": found, "lines": drill.lines_of(request.user, found), "query": request.GET.urlencode()},
    )


@login_required
@require_GET
def agreement_dossier(request: HttpRequest, pk: int) -> HttpResponse:
    """One agreement's money story on one printable page."""
    require_reader(request)
    found = drill.agreement_get(request.user, pk)
    return render(request, "trials/reports/dossier.html", dossier.dossier_context(request.user, found))
