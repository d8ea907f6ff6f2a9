"""Officers' pages: programs, rounds (dates in Moscow time, rubric, areas, actions, extensions), the
round's application table with counts, screening and clarification requests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from grants import services
from grants.models import Clarification, Program, Round, ScreeningDecision
from tests import factories
from tests.grants.conftest import after_close, make_complete_application
from tests.grants.test_pages_firm import signed_in, text_of, url

pytestmark = pytest.mark.django_db


def moscow_input(moment: dt.datetime) -> str:
    """How a datetime-local input sends a moment: Moscow wall time, no zone."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


# --- programs -------------------------------------------------------------------------------------
def test_officer_creates_and_edits_a_program(officer, reference_lists):
    client = signed_in(officer)
    response = client.post(
        url("program_create"),
        {
            "name": "Orphan drugs programme",
            "rate": "0,5".replace(",", "."),
            "project_cap": "100 000 000",
            "cost_categories": ["site", "cro"],
            "success_events": ["marketing_authorisation"],
        },
    )
    assert response["Location"] == url("programs")
    program = Program.objects.get(name="Orphan drugs programme")
    assert (program.rate, program.project_cap) == (Decimal("0.5"), Decimal("100000000.00"))
    assert sorted(c.code for c in program.cost_categories.all()) == ["cro", "site"]
    page = text_of(client.get(url("programs")))
    assert "Orphan drugs programme" in page and "50 %" in page

    refused = client.post(
        url("program_edit", program.pk),
        {"name": "Orphan drugs programme", "rate": "1.5", "project_cap": "100000000", "cost_categories": ["site"],
         "success_events": ["marketing_authorisation"]},
    )  # fmt: skip
    assert refused.status_code == 400
    assert "The compensation rate is a fraction above 0 and at most 1" in text_of(refused)
    client.post(
        url("program_edit", program.pk),
        {"name": "Orphan drugs programme", "rate": "0.75", "project_cap": "100000000", "cost_categories": ["site"],
         "success_events": ["marketing_authorisation"]},
    )  # fmt: skip
    program.refresh_from_db()
    assert program.rate == Decimal("0.75")
    assert [c.code for c in program.cost_categories.all()] == ["site"]


# --- rounds ---------------------------------------------------------------------------------------
def round_form_data(program, **overrides) -> dict:
    now = timezone.now().replace(second=0, microsecond=0)
    data = {
        "program": program.pk,
        "title": "Round 2027",
        "opens_at": moscow_input(now - dt.timedelta(hours=1)),
        "closes_at": moscow_input(now + dt.timedelta(days=30)),
        "review_due_at": moscow_input(now + dt.timedelta(days=60)),
        "decision_at": moscow_input(now + dt.timedelta(days=90)),
        "appeal_window_days": "30",
        "budget": "500 000 000",
        "reviewers_per_application": "3",
        "min_load": "0",
        "max_load": "10",
        "total_threshold": "3.00",
        "ranking_basis": "raw",
        "non_fit_policy": "skip",
        "tie_break_1": "criterion:novelty",
        "tie_break_2": "lower_request",
        "with_default_rubric": "on",
    }
    data.update(overrides)
    return data


@pytest.mark.rule(3)
def test_round_created_with_moscow_dates_and_the_default_rubric(officer, program):
    client = signed_in(officer)
    data = round_form_data(program)
    response = client.post(url("round_create"), data)
    round_ = Round.objects.get(title="Round 2027")
    assert response["Location"] == url("round_detail", round_.pk)
    # 12:00 typed in Moscow is 09:00 UTC.
    assert timezone.localtime(round_.closes_at).strftime("%Y-%m-%dT%H:%M") == data["closes_at"]
    assert round_.closes_at.utcoffset() == dt.timedelta(0) or round_.closes_at.tzinfo is not None
    assert [c.code for c in round_.criteria.all()] == ["novelty", "unmet_need", "evidence", "team", "budget"]
    assert round_.tie_break == [{"key": "criterion", "criterion": "novelty"}, {"key": "lower_request"}]
    page = text_of(client.get(response["Location"]))
    assert "Novelty of the first/best-in-class claim" in page
    assert timezone.localtime(round_.closes_at).strftime("%d.%m.%Y %H:%M") + " МСК" in page

    disordered = client.post(
        url("round_create"), round_form_data(program, title="Bad", decision_at=data["opens_at"])
    )
    assert disordered.status_code == 400
    assert "Dates must be ordered: opens, closes, reviews due, decision." in text_of(disordered)
    assert not Round.objects.filter(title="Bad").exists()


@pytest.mark.rule(5)
def test_priority_areas_and_quotas_within_the_budget(officer, program):
    round_ = factories.RoundFactory(program=program, budget=Decimal("100"))
    client = signed_in(officer)
    over = client.post(
        url("round_areas", round_.pk),
        {"admit_oncology": "on", "quota_oncology": "80", "admit_hiv": "on", "quota_hiv": "30"},
    )
    assert over.status_code == 400
    assert "Priority-area quotas together exceed the round's budget." in text_of(over).replace("&#x27;", "'")
    assert not round_.area_links.exists()
    client.post(
        url("round_areas", round_.pk), {"admit_oncology": "on", "quota_oncology": "80", "admit_hiv": "on"}
    )
    assert {link.area.code: link.quota for link in round_.area_links.select_related("area")} == {
        "oncology": Decimal("80.00"),
        "hiv": None,
    }


@pytest.mark.rule(4)
def test_rubric_editor_offers_the_default_and_is_frozen_once_open(officer, program, open_round):
    draft = factories.RoundFactory(program=program)
    client = signed_in(officer)
    form = client.get(url("round_rubric", draft.pk))
    assert "Replace with the default rubric" in text_of(form)
    client.post(url("round_rubric", draft.pk), {"use_default": "1", **management(0)})
    assert draft.criteria.count() == 5
    data = {**management(1), "criteria-0-code": "novelty", "criteria-0-name": "Novelty", "criteria-0-weight": "1",
            "criteria-0-scale_min": "0", "criteria-0-scale_max": "5", "criteria-0-step": "0.5",
            "criteria-0-threshold": "3"}  # fmt: skip
    client.post(url("round_rubric", draft.pk), data)
    assert [(c.code, c.weight) for c in draft.criteria.all()] == [("novelty", Decimal("1.000"))]

    frozen = client.post(url("round_rubric", open_round.pk), data)
    assert frozen.status_code == 400
    assert "The rubric is fixed once the round opens." in text_of(frozen)
    assert open_round.criteria.count() == 5


def management(total: int) -> dict:
    return {"criteria-TOTAL_FORMS": str(total), "criteria-INITIAL_FORMS": "0", "criteria-MIN_NUM_FORMS": "0",
            "criteria-MAX_NUM_FORMS": "1000"}  # fmt: skip


def test_round_page_draws_the_actions_the_table_allows_with_reasons(officer, program):
    round_ = factories.RoundFactory(program=program)
    client = signed_in(officer)
    page = text_of(client.get(url("round_detail", round_.pk)))
    assert "Open for submissions" in page
    # Every guard that still blocks the opening is listed, not only the first one.
    assert "Add the rubric's criteria before opening the round." in page.replace("&#x27;", "'")
    assert "Admit at least one priority area before opening the round." in page
    refused = client.post(url("round_action", round_.pk, "open"), follow=True)
    assert "Add the rubric" in text_of(refused).replace("&#x27;", "'")
    round_.refresh_from_db()
    assert round_.state == "draft"


def test_officer_opens_a_ready_round_and_closes_it_only_after_the_close(officer, draft_round):
    client = signed_in(officer)
    client.post(url("round_action", draft_round.pk, "open"), {"reason": ""})
    draft_round.refresh_from_db()
    assert draft_round.state == "open"
    early = client.post(url("round_action", draft_round.pk, "close"), follow=True)
    assert "The round accepts submissions until its closing time." in text_of(early)
    with time_machine.travel(after_close(draft_round), tick=False):
        client.post(url("round_action", draft_round.pk, "close"), {"reason": "Closing time"})
    draft_round.refresh_from_db()
    assert draft_round.state == "closed"
    event = AuditEvent.objects.filter(action="round.close").latest("id")
    assert event.reason == "Closing time" and event.actor_id == officer.pk


@pytest.mark.rule(3)
def test_dates_of_an_open_round_are_extended_later_only_with_a_reason(officer, open_round):
    client = signed_in(officer)
    later = open_round.closes_at + dt.timedelta(days=5)
    no_reason = client.post(
        url("round_extend", open_round.pk), {"closes_at": moscow_input(later), "reason": ""}
    )
    assert no_reason.status_code == 400
    assert "Give a reason for changing the dates." in text_of(no_reason)
    earlier = client.post(
        url("round_extend", open_round.pk),
        {"closes_at": moscow_input(open_round.closes_at - dt.timedelta(days=1)), "reason": "Oops"},
    )
    assert "Once the round is open a date can only be moved later." in text_of(earlier)
    client.post(url("round_extend", open_round.pk), {"closes_at": moscow_input(later), "reason": "Holidays"})
    open_round.refresh_from_db()
    assert open_round.closes_at == later.replace(second=0)
    assert AuditEvent.objects.filter(action="round.extend_dates", reason="Holidays").exists()


def test_round_edit_offers_only_live_settings_once_open(officer, open_round):
    client = signed_in(officer)
    form = client.get(url("round_edit", open_round.pk)).context["form"]
    assert "closes_at" not in form.fields and "ranking_basis" not in form.fields
    assert {"title", "budget", "max_load"} <= set(form.fields)
    client.post(
        url("round_edit", open_round.pk),
        {"title": "Renamed", "description": "", "budget": "2 000 000 000", "reviewers_per_application": "3",
         "min_load": "0", "max_load": "12"},
    )  # fmt: skip
    open_round.refresh_from_db()
    assert (open_round.title, open_round.budget, open_round.max_load) == (
        "Renamed",
        Decimal("2000000000"),
        12,
    )


# --- the round's application table ----------------------------------------------------------------
@pytest.fixture
def three_firms(open_round, applicant, other_applicant):
    third = factories.ApplicantFactory(organisation=factories.OrganisationFactory(name="Gamma Bio"))
    a = make_complete_application(applicant, open_round, title="Alpha antibody")
    b = make_complete_application(other_applicant, open_round, title="Beta vaccine")
    c = make_complete_application(third, open_round, title="Gamma gene therapy")
    services.application_update(actor=third, application=c, priority_area="orphan")
    services.application_submit(actor=applicant, application=a)
    services.application_submit(actor=third, application=c)
    return a, b, c


def table(client, round_, **params):
    return [row.title for row in client.get(url("round_detail", round_.pk), params).context["page_obj"]]


def test_round_table_filters_searches_sorts_and_counts(officer, open_round, three_firms):
    _alpha, beta, _gamma = three_firms
    client = signed_in(officer)
    response = client.get(url("round_detail", open_round.pk))
    counts = {state: n for state, _label, n in response.context["counts"]}
    assert (counts["draft"], counts["submitted"], counts["eligible"]) == (1, 2, 0)
    assert "Submitted 2" in text_of(response)
    assert table(client, open_round, state="submitted", sort="title") == [
        "Alpha antibody",
        "Gamma gene therapy",
    ]
    assert table(client, open_round, area="orphan") == ["Gamma gene therapy"]
    assert table(client, open_round, q="vaccine") == ["Beta vaccine"]
    assert table(client, open_round, q="gamma bio") == ["Gamma gene therapy"]
    assert table(client, open_round, q=beta.organisation.inn) == ["Beta vaccine"]
    assert table(client, open_round, sort="-title") == [
        "Gamma gene therapy",
        "Beta vaccine",
        "Alpha antibody",
    ]
    assert table(client, open_round, sort="nonsense")  # an unknown sort falls back to the default


def test_round_table_runs_the_same_queries_for_one_and_four_applications(
    officer, open_round, applicant, django_assert_num_queries
):
    make_complete_application(applicant, open_round, title="One")
    client = signed_in(officer)
    client.get(url("round_detail", open_round.pk))
    with CaptureQueriesContext(connection) as one:
        response = client.get(url("round_detail", open_round.pk))
    assert len(response.context["page_obj"]) == 1
    for n in range(3):
        firm_user = factories.ApplicantFactory()
        make_complete_application(firm_user, open_round, title=f"More {n}")
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(url("round_detail", open_round.pk))
    assert len(response.context["page_obj"]) == 4


# --- screening and clarifications -----------------------------------------------------------------
@pytest.mark.rule(12)
def test_screening_waits_for_the_close_then_records_the_decision(officer, submitted_application):
    client = signed_in(officer)
    early = text_of(client.get(url("application_screen", submitted_application.pk)))
    assert "Screening starts after the round closes." in early
    checks = {
        f"check_{key}": "on"
        for key in ("applicant", "priority_area", "claim", "trials", "budget", "documents")
    }
    with time_machine.travel(after_close(submitted_application.round), tick=False):
        no_reason = client.post(
            url("application_screen", submitted_application.pk), {"outcome": "ineligible"}
        )
        assert no_reason.status_code == 400
        assert "Give the reason the application is ineligible." in text_of(no_reason)
        unchecked = client.post(url("application_screen", submitted_application.pk), {"outcome": "eligible"})
        assert "Confirm every checklist item, or explain the exception in the reason." in text_of(unchecked)
        done = client.post(
            url("application_screen", submitted_application.pk), {"outcome": "eligible", **checks}
        )
        assert done["Location"] == url("round_detail", submitted_application.round_id)
    decision = ScreeningDecision.objects.get(application=submitted_application)
    assert (decision.outcome, decision.version_number, all(decision.checklist.values())) == (
        "eligible",
        1,
        True,
    )
    page = text_of(client.get(url("application_detail", submitted_application.pk)))
    assert "Screening: Eligible" in page


@pytest.mark.rule(12)
def test_ineligible_with_a_reason(officer, submitted_application):
    client = signed_in(officer)
    with time_machine.travel(after_close(submitted_application.round), tick=False):
        client.post(
            url("application_screen", submitted_application.pk),
            {"outcome": "ineligible", "reason": "Phase 1 trials are not covered."},
        )
    submitted_application.refresh_from_db()
    assert submitted_application.state == "ineligible"
    assert submitted_application.screening.reason == "Phase 1 trials are not covered."


def test_officer_asks_a_question_with_a_due_time(officer, submitted_application):
    client = signed_in(officer)
    due = timezone.now() + dt.timedelta(days=7)
    empty = client.post(
        url("clarification_request", submitted_application.pk), {"question": "", "due_at": ""}
    )
    assert "Write the question." in text_of(empty)
    response = client.post(
        url("clarification_request", submitted_application.pk),
        {"question": "Send the CRO contract.", "due_at": moscow_input(due)},
    )
    clarification = Clarification.objects.get(application=submitted_application)
    assert response["Location"] == url("clarification_detail", clarification.pk)
    assert timezone.localtime(clarification.due_at).strftime("%Y-%m-%dT%H:%M") == moscow_input(due)
    assert "Waiting for the firm's answer." in text_of(client.get(response["Location"])).replace(
        "&#x27;", "'"
    )


def test_application_detail_shows_the_history_panel_to_officers(officer, submitted_application):
    response = signed_in(officer).get(url("application_detail", submitted_application.pk))
    page = text_of(response)
    assert "History of the application" in page
    assert "application.submit" in page and "application.create" in page
    assert 'id="screen-link"' in response.content.decode()
    assert "Requested amount" in page and "Site fees" in page


def test_officer_dashboard_panel_lists_running_rounds(officer, open_round, submitted_application):
    page = text_of(signed_in(officer).get(reverse("core:dashboard")))
    assert "Rounds in progress" in page and open_round.title in page
    assert "1 application, 1 submitted" in page


def test_round_and_program_lists_show_their_rows(
    officer, applicant, open_round, draft_round, complete_application
):
    client = signed_in(officer)
    rounds = client.get(url("rounds"))
    page = text_of(rounds)
    assert open_round.title in page and draft_round.title in page
    assert "Open for submissions" in page and "Draft" in page
    assert [r.application_count for r in rounds.context["page_obj"] if r.pk == open_round.pk] == [1]
    only_open = [r.title for r in client.get(url("rounds"), {"state": "open"}).context["page_obj"]]
    assert only_open == [open_round.title]
    programs = text_of(client.get(url("programs")))
    assert open_round.program.name in programs and "100 %" in programs and "New round" in programs

    firm_page = signed_in(applicant).get(url("rounds"))
    assert [r.title for r in firm_page.context["page_obj"]] == [open_round.title]
    assert f'href="{url("application_start")}?round={open_round.pk}"' in firm_page.content.decode()
