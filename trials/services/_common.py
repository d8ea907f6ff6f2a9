"""Helpers shared by the trials services: locks (always in one order), the ledger append."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import BigIntegerField, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from audit.services import record_event
from core.errors import DomainError
from core.money import from_kopecks
from grants.models import Round
from trials.enums import LedgerKind
from trials.models import Agreement, LedgerEntry, Payout, Recovery

# Lock order, everywhere: round, then agreement, then the agreement's claims/lines/payouts.


def lock_round(round_id: int) -> Round:
    return Round.objects.select_for_update().get(pk=round_id)


def lock_agreement(agreement: Agreement | int) -> Agreement:
    pk = agreement.pk if isinstance(agreement, Agreement) else agreement
    return (
        Agreement.objects.select_for_update(of=("self",))
        .select_related("round", "round__program", "application", "organisation")
        .get(pk=pk)
    )


def ledger_append(
    *,
    kind: str,
    agreement: Agreement,
    amount: Decimal,
    actor: Any,
    reason: str = "",
    payout: Payout | None = None,
    recovery: Recovery | None = None,
) -> LedgerEntry:
    """Append one signed entry (rule 35) and its audit event. Call inside the service's transaction,
    holding the agreement's lock. The database refuses a wrong sign for the kind."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger_append() must run inside the service's transaction.")
    if kind not in LedgerKind.values:
        raise ValueError(f"Unknown ledger kind {kind!r}.")
    entry = LedgerEntry(
        round_id=agreement.round_id,
        agreement=agreement,
        kind=kind,
        amount=amount,
        payout=payout,
        recovery=recovery,
        reason=reason,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    entry.save(force_insert=True)
    record_event(
        actor=actor,
        action=f"ledger.{kind}",
        obj=entry,
        after={
            "agreement": agreement.pk,
            "round": agreement.round_id,
            "kind": kind,
            "amount": amount,
            "payout": payout.pk if payout else None,
            "recovery": recovery.pk if recovery else None,
        },
        reason=reason,
    )
    return entry


def clean_text(value: Any, *, limit: int | None = None) -> str:
    text = str(value or "").strip()
    return text[:limit] if limit else text


def require_text(value: Any, field: str, message: Any) -> str:
    text = clean_text(value)
    if not text:
        raise DomainError("required", message, field)
    return text


def not_found(message: Any = None) -> DomainError:
    from core.errors import NotFound

    return NotFound("not_found", message or _("Not found."))


def sum_money(qs: QuerySet, field: str) -> Decimal:
    """Σ of a MoneyField over `qs` in SQL, as exact roubles (0.00 for no rows)."""
    total = qs.order_by().aggregate(total=Coalesce(Sum(field), Value(0), output_field=BigIntegerField()))[
        "total"
    ]
    return from_kopecks(total)
