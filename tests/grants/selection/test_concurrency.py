"""Many officers committing at once never exceed the budget (rule 27), on PostgreSQL with threads."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum

from audit.verify import verify_chain
from core.errors import DomainError
from grants.models import Application, FundingDecision, RoundSelection
from grants.services.decisions import decision_record
from grants.services.selection import selection_run
from tests import factories
from tests.grants.selection.builders import open_round, submit, to_selection

OFFICERS = 8


def _decide(officer, application_pk, start, results, key):
    try:
        start.wait(timeout=30)
        application = Application.objects.get(pk=application_pk)
        try:
            decision_record(
                actor=officer,
                application=application,
                outcome="selected",
                reason="Committee: selected beyond the proposal.",
            )
            results[key] = "selected"
        except DomainError as exc:
            results[key] = exc.code
    except Exception as exc:  # surfaced by the assertions
        results[key] = f"crashed: {exc!r}"
    finally:
        connection.close()


@pytest.mark.rule(27)
@pytest.mark.django_db(transaction=True)
def test_officers_selecting_at_once_never_exceed_the_budget(reference_lists, ministry, book):
    officers = [factories.OfficerFactory(organisation=ministry) for _ in range(OFFICERS)]
    round_ = open_round(officers[0], budget="10000000")  # room for three of the 3 M requests
    apps = [submit(round_, amount="3000000", title=f"Race {n}") for n in range(OFFICERS)]
    round_ = to_selection(officers[0], round_)
    for app in apps:
        book.add(app, 4, 4, 4)
    selection_run(actor=officers[0], round=round_)
    FundingDecision.objects.all()  # nothing decided yet

    results: dict[int, str] = {}
    start = threading.Barrier(OFFICERS)
    threads = [
        threading.Thread(target=_decide, args=(officers[n], apps[n].pk, start, results, n))
        for n in range(OFFICERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(results.values()) == ["over_budget"] * (OFFICERS - 3) + ["selected"] * 3
    selected = FundingDecision.objects.filter(round=round_, outcome="selected")
    total = selected.aggregate(total=Sum("approved_amount"))["total"]
    assert total == Decimal("9000000.00")  # 3 × 3 M ≤ 10 M
    assert RoundSelection.objects.get(round=round_).committed == Decimal("9000000.00")
    assert Application.objects.filter(round=round_, state="selected").count() == 3
    assert Application.objects.filter(round=round_, state="eligible").count() == OFFICERS - 3
    assert verify_chain().ok
