"""What money a user may read: every agreement for ministry readers (officers, auditors, administrators),
their own firm's for applicants, nothing for anyone else. Reports, drill-downs and exports start here,
so a figure never includes a row its reader could not open."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from accounts.enums import Role
from trials.models import Agreement, ClaimLine, LedgerEntry, MoneyMonth, MoneyRollup, Payout
from trials.policy import READ_ALL_ROLES, role_of


def reads_all(user: Any) -> bool:
    return role_of(user) in READ_ALL_ROLES


def _firm_id(user: Any) -> int | None:
    if role_of(user) != Role.APPLICANT:
        return None
    return getattr(user, "organisation_id", None)


def _scoped(queryset: QuerySet, user: Any, organisation_path: str) -> QuerySet:
    if reads_all(user):
        return queryset
    firm_id = _firm_id(user)
    if firm_id is None:
        return queryset.none()
    return queryset.filter(**{organisation_path: firm_id})


def agreements_visible_to(user: Any) -> QuerySet[Agreement]:
    return _scoped(Agreement.objects.all(), user, "organisation_id")


def ledger_visible_to(user: Any) -> QuerySet[LedgerEntry]:
    return _scoped(LedgerEntry.objects.all(), user, "agreement__organisation_id")


def lines_visible_to(user: Any) -> QuerySet[ClaimLine]:
    return _scoped(ClaimLine.objects.all(), user, "claim__agreement__organisation_id")


def payouts_visible_to(user: Any) -> QuerySet[Payout]:
    return _scoped(Payout.objects.all(), user, "agreement__organisation_id")


def rollups_visible_to(user: Any) -> QuerySet[MoneyRollup]:
    return _scoped(MoneyRollup.objects.all(), user, "agreement__organisation_id")


def months_visible_to(user: Any) -> QuerySet[MoneyMonth]:
    return _scoped(MoneyMonth.objects.all(), user, "organisation_id")
