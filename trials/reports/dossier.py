"""The payout dossier: one agreement's money story on one page — the success decision, the cap and its
commitment, every claim and line with its verification outcome and reason, every payout with its
approval and payment order, recoveries, what remains of the cap, and the audit events of all of it.

Built from a fixed number of queries (one per list) whatever the agreement's size.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from trials.balances import ZERO, agreement_balances
from trials.models import Agreement, ClaimLine, EvidenceFile, LedgerEntry, SuccessDecision
from trials.reports import drill


@dataclass(frozen=True)
class LedgerLine:
    entry: LedgerEntry
    net_paid_after: Decimal  # the agreement's net paid once this entry is counted


def _decision(agreement: Agreement) -> SuccessDecision | None:
    return (
        SuccessDecision.objects.select_related(
            "decided_by", "authorisation_document", "endpoint_document", "expert_opinion", "endpoint_trial"
        )
        .filter(agreement=agreement)
        .first()
    )


def _ledger_lines(entries: list[LedgerEntry]) -> list[LedgerLine]:
    running = ZERO
    lines = []
    for entry in entries:
        if entry.kind in ("payout", "recovery"):
            running += entry.amount  # payouts are positive, recoveries negative in the ledger
        lines.append(LedgerLine(entry=entry, net_paid_after=running))
    return lines


def dossier_context(user: Any, agreement: Agreement) -> dict[str, Any]:
    claims = drill.claims_of(agreement)
    lines = list(
        ClaimLine.objects.filter(claim__agreement=agreement)
        .select_related("trial", "category", "verified_by")
        .prefetch_related(Prefetch("evidence", queryset=EvidenceFile.objects.order_by("uploaded_at", "pk")))
        .order_by("claim_id", "pk")
    )
    lines_by_claim: dict[int, list[ClaimLine]] = {}
    for line in lines:
        lines_by_claim.setdefault(line.claim_id, []).append(line)
    payouts = drill.payouts_of(agreement)
    recoveries = drill.recoveries_of(agreement)
    entries = drill.ledger_of(agreement)
    decision = _decision(agreement)
    related = [agreement, decision, *claims, *lines, *payouts, *recoveries, *entries]
    grouped = drill.events_for(user, related)
    events = sorted((event for group in grouped.values() for event in group), key=lambda event: event.id)
    return {
        "agreement": agreement,
        "decision": decision,
        "trials": list(agreement.trials.order_by("pk")),
        "balances": agreement_balances(agreement),
        "ledger": _ledger_lines(entries),
        "claims": [(claim, lines_by_claim.get(claim.pk, [])) for claim in claims],
        "payouts": [(payout, drill.events_of(grouped, payout)) for payout in payouts],
        "recoveries": recoveries,
        "events": events,
        "printed_at": timezone.now(),
    }
