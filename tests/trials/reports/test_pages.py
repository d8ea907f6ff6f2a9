"""The auditor's report pages: figures, drill-down chain to the audit events, dossier, filters,
refusals, and the same number of queries at two sizes."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.money import format_roubles
from tests import factories
from tests.trials.reports.conftest import moscow
from trials.models import ClaimLine, Payout

pytestmark = pytest.mark.django_db
REPORT = reverse("reports:report")


def get(client, user, url, params=None, status=200):
    client.force_login(user)
    response = client.get(url, params or {})
    assert response.status_code == status, response.content[:500]
    return response.content.decode()


def rub(amount: str) -> str:
    return format_roubles(Decimal(amount))


def cell(html: str, group: str, figure: str) -> str:
    """The text of one figure cell of one report row."""
    row = re.search(rf'<tr[^>]*data-group="{group}"[^>]*>(.*?)</tr>', html, re.S).group(1)
    found = re.search(rf'data-figure="{figure}">(.*?)</td>', row, re.S).group(1)
    return re.sub(r"<[^>]+>", "", found).strip()


@pytest.fixture
def report_round(paid):
    return paid[0].round


@pytest.fixture
def paid(book, firm, areas):
    """One agreement with 2 000 000 of costs paid at 0.80 and 100 000 recovered, in February 2026."""
    agreement = book.agreement(at=moscow(2026, 1, 10), firm=firm, area=areas[0])
    payout = book.pay(at=moscow(2026, 2, 3), agreement=agreement, amount=Decimal("2000000.00"))
    book.recover(at=moscow(2026, 2, 20), agreement=agreement, amount=Decimal("100000.00"), reason="=1+1 VAT")
    return agreement, payout


def test_report_shows_each_figure_of_the_round_and_links_it_to_its_agreements(
    client, auditor, paid, report_round
):
    html = get(client, auditor, REPORT)
    group = str(report_round.pk)
    assert cell(html, group, "committed") == rub("10000000.00")
    assert cell(html, group, "verified") == rub("2000000.00")
    assert cell(html, group, "approved") == rub("1600000.00")
    assert cell(html, group, "paid") == rub("1600000.00")
    assert cell(html, group, "recovered") == rub("100000.00")
    assert cell(html, group, "net_paid") == rub("1500000.00")
    assert cell(html, group, "remaining_cap") == rub("8500000.00")
    assert cell(html, group, "uncommitted_budget") == rub("90000000.00")
    assert f"?round={report_round.pk}&amp;figure=paid" in html
    assert 'id="report-charts"' in html and "02.2026" in html


def test_as_of_a_date_before_the_payment_shows_nothing_paid(client, auditor, paid, report_round):
    html = get(client, auditor, REPORT, {"as_of": "2026-02-02"})
    assert cell(html, str(report_round.pk), "paid") == rub("0.00")
    assert cell(html, str(report_round.pk), "committed") == rub("10000000.00")


def test_a_period_shows_movements_without_budgets(client, auditor, paid, report_round):
    """Since a day, figures are the period's movements: the round's budget (a stock) is not set
    beside them, and the cap column says it is a change."""
    html = get(client, auditor, REPORT, {"since": "2026-02-01", "as_of": "2026-02-28"})
    group = str(report_round.pk)
    assert cell(html, group, "committed") == rub("0.00")  # committed in January
    assert cell(html, group, "net_paid") == rub("1500000.00")
    assert cell(html, group, "remaining_cap") == rub("-1500000.00")  # the cap left fell by what was paid
    assert "Change in remaining cap" in html
    assert 'data-figure="uncommitted_budget"' not in html and ">Budget<" not in html
    balances = get(client, auditor, REPORT)
    assert ">Budget<" in balances and "Change in remaining cap" not in balances


def test_grouping_by_firm_and_by_area(client, auditor, paid, firm, areas):
    html = get(client, auditor, REPORT, {"by": "firm"})
    assert firm.name in html and f"INN {firm.inn}" in html
    assert cell(html, str(firm.pk), "paid") == rub("1600000.00")
    html = get(client, auditor, REPORT, {"by": "area"})
    assert areas[0].name in html
    assert cell(html, str(areas[0].pk), "recovered") == rub("100000.00")


def test_bad_filters_are_shown_beside_their_field_not_a_server_error(client, auditor, paid):
    html = get(client, auditor, REPORT, {"as_of": "2999-01-01", "firm": "123"}, status=400)
    assert "The as-of date cannot be in the future." in html
    assert "No organisation has this tax number (INN)." in html
    get(client, auditor, reverse("reports:agreements"), {"figure": "bogus"}, status=400)


def test_drill_down_from_the_paid_figure_to_the_approval_events(client, auditor, paid, report_round):
    agreement, payout = paid
    html = get(client, auditor, reverse("reports:agreements"), {"round": report_round.pk, "figure": "paid"})
    assert f'data-agreement="{agreement.pk}"' in html
    assert f'id="drill-total">{rub("1600000.00")}<' in html
    html = get(client, auditor, reverse("reports:agreement", args=[agreement.pk]), {"figure": "paid"})
    assert f'data-payout="{payout.pk}"' in html and f"PO-{payout.pk}" in html
    assert "payout.propose" in html and "payout.approve" in html and "payout.mark_paid" in html
    claim = payout.claim
    html = get(client, auditor, reverse("reports:claim", args=[claim.pk]))
    line = ClaimLine.objects.get(claim=claim)
    assert f'data-line="{line.pk}" data-state="accepted"' in html
    for name in ("contract.pdf", "acceptance_act.pdf", "payment_order.pdf"):
        assert name in html
    assert "claimline.accept" in html  # the audit event of the line's verification


def test_the_dossier_tells_the_whole_money_story_on_one_printable_page(client, auditor, paid):
    agreement, payout = paid
    html = get(client, auditor, reverse("reports:dossier", args=[agreement.pk]))
    assert 'data-fc-print id="print-dossier"' in html and "css/reports.css" in html
    assert "ЛП-009876" in html  # the marketing authorisation of the success decision
    assert f'data-payout="{payout.pk}"' in html and f"PO-{payout.pk}" in html
    assert "'=1+1 VAT" not in html and "=1+1 VAT" in html  # shown as typed on a page
    assert f'id="dossier-remaining">{rub("8500000.00")}<' in html
    assert "ledger.commitment" in html and "recovery.record" in html


@pytest.mark.parametrize("role", ["applicant", "reviewer"])
def test_firms_and_reviewers_are_refused_with_the_reason(client, paid, role, firm, ministry):
    user = (
        factories.ApplicantFactory(organisation=firm)
        if role == "applicant"
        else factories.ReviewerFactory(organisation=ministry)
    )
    agreement, _payout = paid
    for url in (
        REPORT,
        reverse("reports:agreement", args=[agreement.pk]),
        reverse("reports:dossier", args=[agreement.pk]),
    ):
        html = get(client, user, url, status=403)
        assert "Only ministry staff may see this." in html


def test_an_unknown_agreement_is_not_found(client, auditor, paid):
    get(client, auditor, reverse("reports:agreement", args=[999999]), status=404)
    get(client, auditor, reverse("reports:claim", args=[999999]), status=404)


# --- the same number of queries at two sizes -------------------------------------------------------
def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_report_and_drill_downs_run_the_same_queries_at_two_sizes(client, auditor, book, areas):
    firm_a, firm_b = factories.OrganisationFactory(), factories.OrganisationFactory()
    first = book.agreement(at=moscow(2026, 1, 10), firm=firm_a, area=areas[0])
    book.pay(at=moscow(2026, 2, 3), agreement=first, amount=Decimal("1000000.00"))
    client.force_login(auditor)
    claim = first.claims.get()
    pages = [(REPORT, {"by": by}) for by in ("round", "firm", "area", "month", "year")] + [
        (reverse("reports:agreements"), {"figure": "paid"}),
        (reverse("reports:agreement", args=[first.pk]), {}),
        (reverse("reports:claim", args=[claim.pk]), {}),
        (reverse("reports:dossier", args=[first.pk]), {}),
        # A window cutting two months: whole months and each cut month's days are queries of their own.
        (REPORT, {"by": "firm", "since": "2026-01-15", "as_of": "2026-04-20"}),
    ]
    _queries(client, REPORT)  # warm-up: the first request of a session loads caches
    small = [_queries(client, url, params) for url, params in pages]
    # More of everything: agreements, firms, areas, months, claims, lines, payouts, recoveries.
    second = book.agreement(at=moscow(2026, 1, 11), firm=firm_b, area=areas[1])
    book.pay(at=moscow(2026, 3, 3), agreement=second, amount=Decimal("500000.00"))
    book.pay(at=moscow(2026, 4, 3), agreement=first, amount=Decimal("700000.00"))
    book.recover(at=moscow(2026, 4, 5), agreement=first, amount=Decimal("10000.00"))
    book.claim(at=moscow(2026, 4, 6), agreement=first, amounts=(Decimal("1.00"), Decimal("2.00")))
    more_lines = first.claims.order_by("-pk").first()
    pages[7] = (reverse("reports:claim", args=[more_lines.pk]), {})
    large = [_queries(client, url, params) for url, params in pages]
    assert large == small
    assert Payout.objects.count() == 3
