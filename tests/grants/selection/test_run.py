"""The selection run: review quorum (rule 23), thresholds (20), basis (21), ties (22), allocation (24),
and the stored, unchanged proposal with the hash of its inputs (25)."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from audit.models import AuditEvent
from core.errors import DomainError
from grants.models import Round, SelectionProposal
from grants.selectors_selection import proposed_outcomes
from grants.services.selection import canonical_json, selection_run
from tests.grants.selection.builders import CODES, open_round, submit, to_selection


def outcomes(proposal) -> dict[str, tuple[str, Decimal]]:
    titles = dict(proposal.round.applications.values_list("pk", "title"))
    return {titles[pk]: (p.outcome, p.amount) for pk, p in proposed_outcomes(proposal).items()}


def ranking(proposal) -> list[str]:
    titles = dict(proposal.round.applications.values_list("pk", "title"))
    return [titles[row["application_id"]] for row in proposal.snapshot["result"]["ranking"]]


@pytest.mark.rule(23)
def test_run_refused_while_reviews_are_missing_and_nothing_is_stored(officer, three_apps, book):
    round_, (alpha, beta, gamma) = three_apps
    book.add(alpha, 4, 4, 4)
    book.add(beta, 4, 4)  # one review short of k = 3
    with pytest.raises(DomainError) as refused:
        selection_run(actor=officer, round=round_)
    assert refused.value.code == "reviews_incomplete"
    assert refused.value.field == "exception_reason"
    assert "2 eligible applications do not have their 3 submitted reviews" in refused.value.message
    assert refused.value.details["applications"] == [
        {"id": beta.pk, "submitted_reviews": 2},
        {"id": gamma.pk, "submitted_reviews": 0},
    ]
    assert not SelectionProposal.objects.exists()
    assert not AuditEvent.objects.filter(action="selection.run").exists()


@pytest.mark.rule(23)
def test_officer_exception_runs_with_a_recorded_reason(officer, three_apps, book):
    round_, (alpha, beta, gamma) = three_apps
    book.add(alpha, 4, 4, 4)
    book.add(beta, 4, 4)
    proposal = selection_run(
        actor=officer, round=round_, exception_reason="Reviewer fell ill; committee agreed."
    )
    assert proposal.incomplete_count == 2
    assert proposal.exception_reason == "Reviewer fell ill; committee agreed."
    assert proposal.snapshot["short_of_reviews"] == [
        {"id": beta.pk, "submitted_reviews": 2},
        {"id": gamma.pk, "submitted_reviews": 0},
    ]
    # Two reviews rank; no review cannot: the unscored application is proposed "not selected".
    assert outcomes(proposal) == {
        "Alpha": ("selected", Decimal("4000000.00")),
        "Beta": ("selected", Decimal("4000000.00")),
        "Gamma": ("rejected", Decimal("0.00")),
    }
    event = AuditEvent.objects.get(action="selection.run")
    assert event.reason == "Reviewer fell ill; committee agreed."
    # The database refuses a short run without a reason even if a service forgot to ask.
    with pytest.raises(IntegrityError), transaction.atomic():
        SelectionProposal.objects.create(
            **{
                f.name: getattr(proposal, f.name)
                for f in SelectionProposal._meta.concrete_fields
                if f.name != "id"
            }
            | {"number": 99, "exception_reason": ""}
        )


@pytest.mark.rule(23)
def test_complete_reviews_need_no_exception(officer, three_apps, book):
    round_, apps = three_apps
    for application in apps:
        book.add(application, 4, 4, 4)
    proposal = selection_run(actor=officer, round=round_)
    assert (proposal.incomplete_count, proposal.exception_reason) == (0, "")


@pytest.mark.rule(20)
def test_thresholds_apply_to_each_criterion_mean_and_the_total_never_to_weights(
    officer, reference_lists, book
):
    round_ = open_round(officer, total_threshold=Decimal("3.50"))
    strong = submit(round_, title="Strong")
    lopsided = submit(round_, title="Lopsided")
    weak_total = submit(round_, title="Weak total")
    round_ = to_selection(officer, round_)
    book.add(strong, 4, 4, 4)
    # "budget" weighs only 0.10: the weighted total is 4.75, but its mean 2.5 is under the threshold 3.
    book.add(lopsided, *[{**dict.fromkeys(CODES, 5), "budget": Decimal("2.5")}] * 3)
    book.add(weak_total, 3, 3.5, 3.5)  # every mean at or above 3, total 3.33 < 3.50
    proposal = selection_run(actor=officer, round=round_)
    result = proposal.snapshot["result"]
    misses = {row["application_id"]: row["misses"] for row in result["below_threshold"]}
    assert misses[lopsided.pk] == [{"criterion": "budget", "value": "2.5", "threshold": "3.0"}]
    assert [m["criterion"] for m in misses[weak_total.pk]] == [None]
    assert ranking(proposal) == ["Strong"]
    assert outcomes(proposal)["Lopsided"] == ("rejected", Decimal("0.00"))


def _harsh_reviewer_round(officer, basis: str, book):
    """Raw totals rank B above A; correcting the harsh reviewer 1 ranks A above B."""
    round_ = open_round(officer, ranking_basis=basis, budget="4000000")
    a, b, c, d = (submit(round_, title=t, amount="4000000") for t in ("A", "B", "C", "D"))
    round_ = to_selection(officer, round_)
    for app, reviews in ((a, ((1, 3.0), (2, 4.0), (3, 4.0))), (b, ((2, 4.0), (3, 4.0), (4, 3.5))),
                         (c, ((1, 2.5), (4, 3.5), (2, 4.0))), (d, ((1, 3.0), (3, 4.5), (4, 4.0)))):  # fmt: skip
        for reviewer, value in reviews:
            book.add(app, value, reviewer=reviewer)
    return round_


@pytest.mark.rule(21)
def test_raw_basis_ranks_on_the_weighted_raw_total(officer, reference_lists, book):
    round_ = _harsh_reviewer_round(officer, "raw", book)
    proposal = selection_run(actor=officer, round=round_)
    assert ranking(proposal)[:2] == ["B", "D"] or ranking(proposal)[:2] == ["D", "B"]
    assert ranking(proposal).index("B") < ranking(proposal).index("A")
    row_b = next(
        r
        for r in proposal.snapshot["inputs"]["candidates"]
        if r["application_id"] == ranking_ids(proposal)["B"]
    )
    assert Decimal(row_b["total"]) == Decimal("3.833333333333333333333333333")
    assert Decimal(row_b["calibrated_total"]) < Decimal(row_b["total"])  # both kept, side by side


def ranking_ids(proposal) -> dict[str, int]:
    return {title: pk for pk, title in proposal.round.applications.values_list("pk", "title")}


@pytest.mark.rule(21)
def test_calibrated_basis_ranks_on_the_calibrated_total(officer, reference_lists, book):
    round_ = _harsh_reviewer_round(officer, "calibrated", book)
    proposal = selection_run(actor=officer, round=round_)
    order = ranking(proposal)
    assert order.index("A") < order.index("B")
    assert order[0] == "D"
    assert proposal.ranking_basis == "calibrated"


@pytest.mark.rule(22)
def test_ties_follow_the_round_tie_break_then_earlier_submission(officer, reference_lists, book):
    round_ = open_round(officer, tie_break=[{"key": "criterion", "criterion": "evidence"}], budget="1000000")
    first = submit(round_, title="First submitted")
    second = submit(round_, title="Second submitted")
    evidence = submit(round_, title="Better evidence")
    round_ = to_selection(officer, round_)
    equal = dict.fromkeys(CODES, Decimal(4))  # total 4.0
    # Also 4.0 in total (+0.5 x 0.20 on evidence, -1 x 0.10 on budget), but higher on the tie-break criterion.
    better = {**equal, "evidence": Decimal("4.5"), "budget": Decimal(3)}
    for app, scores in ((second, equal), (first, equal), (evidence, better)):
        book.add(app, scores, scores, scores)
    proposal = selection_run(actor=officer, round=round_)
    assert ranking(proposal) == ["Better evidence", "First submitted", "Second submitted"]
    assert proposal.snapshot["result"]["unresolved_ties"] == []
    # The one that ranks first gets the only million; the rest wait on the reserve list in rank order.
    assert proposal.snapshot["result"]["reserve"] == [first.pk, second.pk]


@pytest.mark.rule(24)
def test_quota_pass_before_the_general_pass(officer, reference_lists, book):
    round_ = open_round(
        officer, budget="11000000", quotas=(("oncology", None), ("orphan", Decimal("3000000")))
    )
    onc = [submit(round_, title=f"Onc {n}", amount="4000000") for n in (1, 2, 3)]
    orphan = submit(round_, title="Orphan", amount="3000000", area="orphan")
    round_ = to_selection(officer, round_)
    for app, value in zip(onc, (4.5, 4.4, 4.3), strict=True):
        book.add(app, value, value, value)
    book.add(orphan, 3.5, 3.5, 3.5)
    proposal = selection_run(actor=officer, round=round_)
    result = proposal.snapshot["result"]
    assert ranking(proposal) == ["Onc 1", "Onc 2", "Onc 3", "Orphan"]
    # The orphan quota funds the lowest-ranked application first; 8 M of the 11 M remain for two.
    assert [(f["application_id"], f["funding_pass"]) for f in result["funded"]] == [
        (onc[0].pk, "global"), (onc[1].pk, "global"), (orphan.pk, "quota"),
    ]  # fmt: skip
    assert result["reserve"] == [onc[2].pk]
    assert result["quota_usage"] == [
        {"area": "orphan", "quota_kopecks": 300_000_000, "used_kopecks": 300_000_000, "returned_kopecks": 0}
    ]
    assert proposal.funded_amount == Decimal("11000000.00") == round_.budget


@pytest.mark.rule(24)
@pytest.mark.parametrize(
    ("policy", "funded", "reserve"),
    [("skip", ["Big", "Small"], ["Middle"]), ("stop", ["Big"], ["Middle", "Small"])],
)
def test_non_fit_policy_and_reserve_list_in_rank_order(
    officer, reference_lists, book, policy, funded, reserve
):
    round_ = open_round(officer, budget="10000000", non_fit_policy=policy)
    apps = {
        "Big": submit(round_, title="Big", amount="6000000"),
        "Middle": submit(round_, title="Middle", amount="5000000"),
        "Small": submit(round_, title="Small", amount="3000000"),
    }
    round_ = to_selection(officer, round_)
    for title, value in (("Big", 4.5), ("Middle", 4.4), ("Small", 4.3)):
        book.add(apps[title], value, value, value)
    proposal = selection_run(actor=officer, round=round_)
    got = outcomes(proposal)
    assert sorted(t for t, (o, _a) in got.items() if o == "selected") == sorted(funded)
    assert [
        dict(proposal.round.applications.values_list("pk", "title"))[pk]
        for pk in proposal.snapshot["result"]["reserve"]
    ] == reserve
    assert proposal.funded_amount <= round_.budget


@pytest.mark.rule(25)
def test_the_proposal_is_stored_unchanged_with_the_hash_of_its_inputs(officer, three_apps, book):
    round_, apps = three_apps
    for application in apps:
        book.add(application, 4, 4.5, 4)
    first = selection_run(actor=officer, round=round_)
    assert first.input_sha256 == hashlib.sha256(canonical_json(first.snapshot["inputs"]).encode()).hexdigest()
    second = selection_run(actor=officer, round=Round.objects.get(pk=round_.pk))
    assert (second.number, second.input_sha256) == (2, first.input_sha256)  # same inputs, same hash
    # PostgreSQL refuses any change or deletion of a stored proposal, even from raw SQL.
    for statement in (
        "UPDATE grants_selectionproposal SET funded_count = 0 WHERE id = %s",
        "DELETE FROM grants_selectionproposal WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="kept unchanged"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [first.pk])
    first.refresh_from_db()
    assert first.funded_count == 2


def test_run_only_in_selection(officer, reference_lists, book):
    round_ = open_round(officer)
    with pytest.raises(DomainError) as refused:
        selection_run(actor=officer, round=round_)
    assert refused.value.code == "not_in_selection"


def test_only_officers_run(auditor, three_apps, book):
    round_, _apps = three_apps
    with pytest.raises(DomainError) as refused:
        selection_run(actor=auditor, round=round_)
    assert refused.value.status_code == 403
