"""Drill-downs from a report figure: the agreements behind it, then one agreement's ledger entries,
claims and payouts, then one claim's lines with their evidence files and the audit events of their
verification and approval. Each page runs a fixed number of queries (one per list, with the joins
and prefetches it needs), whatever the number of rows."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils.translation import gettext as _

from audit.models import AuditEvent
from audit.selectors import events_visible_to
from core.money import MoneyField
from trials.balances import KIND_FIGURES
from trials.enums import ACCEPTED_LINE_STATES, LineState
from trials.models import Agreement, ClaimLine, CostClaim, EvidenceFile, LedgerEntry, Payout, Recovery
from trials.reports import scoping
from trials.reports.filters import ReportFilters
from trials.reports.queries import (
    AGREEMENTS,
    APPROVED_STATES,
    DRILL_FIGURES,
    LEDGER,
    LINES,
    PAYOUTS,
    scope_q,
    window_q,
)

ZERO_KOPECKS = 0


def _sum_subquery(queryset: QuerySet, outer: str, column: str) -> Coalesce:
    """Σ `column` of the rows of `queryset` that belong to the outer agreement (kopecks -> Decimal)."""
    total = (
        queryset.filter(**{outer: OuterRef("pk")})
        .order_by()
        .values(outer)
        .annotate(total=Sum(column))
        .values("total")
    )
    return Coalesce(Subquery(total), ZERO_KOPECKS, output_field=MoneyField())


def agreement_figures(user: Any, filters: ReportFilters) -> QuerySet[Agreement]:
    """Agreements in the filters' scope, each annotated with every drillable figure in the window
    (`fig_committed`, `fig_released`, ... as positive Decimals), in one query."""
    ledger = LedgerEntry.objects.filter(window_q(filters, LEDGER))
    lines = ClaimLine.objects.filter(window_q(filters, LINES), state__in=ACCEPTED_LINE_STATES)
    payouts = Payout.objects.filter(window_q(filters, PAYOUTS), state__in=APPROVED_STATES)
    annotations = {
        f"fig_{name}": _sum_subquery(ledger.filter(kind=kind), "agreement", "amount")
        for name, kind in KIND_FIGURES.items()
    }
    annotations["fig_verified"] = _sum_subquery(lines, "claim__agreement", "accepted_amount")
    annotations["fig_approved"] = _sum_subquery(payouts, "agreement", "amount")
    agreements = (
        scoping.agreements_visible_to(user)
        .filter(scope_q(filters, AGREEMENTS))
        .select_related("organisation", "round", "application__priority_area")
        .annotate(**annotations)
        .order_by("number", "pk")
    )
    return agreements


def agreements_with_figure(user: Any, filters: ReportFilters, figure: str) -> QuerySet[Agreement]:
    """The agreements whose `figure` is not zero in the window: the rows behind one report cell."""
    if figure not in DRILL_FIGURES:
        raise Http404(_("Unknown figure."))
    return agreement_figures(user, filters).exclude(**{f"fig_{figure}": 0})


def signed(agreement: Agreement, name: str) -> Decimal:
    """A figure as the report shows it: releases and recoveries are negative in the ledger."""
    value = getattr(agreement, f"fig_{name}")
    return -value if name in ("released", "recovered") else value


# --- one agreement ------------------------------------------------------------------------------
def agreement_get(user: Any, pk: int) -> Agreement:
    agreement = (
        scoping.agreements_visible_to(user)
        .select_related("organisation", "round__program", "application__priority_area")
        .filter(pk=pk)
        .first()
    )
    if agreement is None:
        raise Http404(_("Agreement not found."))
    return agreement


def claims_of(agreement: Agreement) -> list[CostClaim]:
    """The agreement's claims with their line counts and claimed/accepted sums (one query)."""
    return list(
        agreement.claims.annotate(
            line_count=Count("lines"),
            claimed=Coalesce(Sum("lines__amount"), 0, output_field=MoneyField()),
            accepted=Coalesce(
                Sum("lines__accepted_amount", filter=Q(lines__state__in=ACCEPTED_LINE_STATES)),
                0,
                output_field=MoneyField(),
            ),
            rejected_count=Count("lines", filter=Q(lines__state=LineState.REJECTED)),
        ).order_by("number")
    )


def payouts_of(agreement: Agreement) -> list[Payout]:
    return list(
        agreement.payouts.select_related("claim", "proposed_by", "approved_by", "paid_by").order_by(
            "proposed_at", "pk"
        )
    )


def recoveries_of(agreement: Agreement) -> list[Recovery]:
    return list(agreement.recoveries.select_related("payout", "created_by").order_by("created_at", "pk"))


def ledger_of(agreement: Agreement, filters: ReportFilters | None = None) -> list[LedgerEntry]:
    entries = agreement.ledger_entries.select_related("payout", "recovery", "created_by")
    if filters is not None:
        entries = entries.filter(window_q(filters, LEDGER))
    return list(entries.order_by("created_at", "pk"))


def events_for(user: Any, objects: list[Any]) -> dict[tuple[str, str], list[AuditEvent]]:
    """The audit events of many objects in one query, keyed by (object type, object id), oldest first."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for obj in objects:
        if obj is not None and obj.pk is not None:
            wanted[obj._meta.label_lower].add(str(obj.pk))
    if not wanted:
        return {}
    condition = Q()
    for object_type, ids in wanted.items():
        condition |= Q(object_type=object_type, object_id__in=sorted(ids))
    grouped: dict[tuple[str, str], list[AuditEvent]] = defaultdict(list)
    for event in events_visible_to(user).filter(condition).order_by("id"):
        grouped[(event.object_type, event.object_id)].append(event)
    return grouped


def events_of(grouped: dict, obj: Any) -> list[AuditEvent]:
    return grouped.get((obj._meta.label_lower, str(obj.pk)), []) if obj is not None else []


# --- one claim ----------------------------------------------------------------------------------
def claim_get(user: Any, pk: int) -> CostClaim:
    claim = (
        CostClaim.objects.filter(agreement__in=scoping.agreements_visible_to(user), pk=pk)
        .select_related("agreement__organisation", "agreement__round", "submitted_by", "verified_by")
        .first()
    )
    if claim is None:
        raise Http404(_("Claim not found."))
    return claim


@dataclass(frozen=True)
class LineStory:
    line: ClaimLine
    evidence: list[EvidenceFile]
    events: list[AuditEvent]


def lines_of(user: Any, claim: CostClaim) -> list[LineStory]:
    """Every line of the claim with its evidence files and audit events: three queries in all."""
    lines = list(
        claim.lines.select_related("trial", "category", "verified_by")
        .prefetch_related(Prefetch("evidence", queryset=EvidenceFile.objects.order_by("uploaded_at", "pk")))
        .order_by("pk")
    )
    grouped = events_for(user, lines)
    return [
        LineStory(line=line, evidence=list(line.evidence.all()), events=events_of(grouped, line))
        for line in lines
    ]


def payout_stories(user: Any, payouts: list[Payout]) -> list[tuple[Payout, list[AuditEvent]]]:
    grouped = events_for(user, payouts)
    return [(payout, events_of(grouped, payout)) for payout in payouts]
