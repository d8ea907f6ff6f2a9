"""The pure conflict detection: identity matching, the look-back window, competitors (rules 13-14)."""

from datetime import date

import pytest

from reviewers import detection as d

TODAY = date(2026, 11, 23)
FIRM = d.PartyRow(1, d.APPLICANT, "Aurora Pharma", "7707083893", "1027700132195")


def aff(kind="employment", inn="7707083893", ogrn="", ended=None, reviewer=10):
    return d.AffiliationRow(1, reviewer, kind, "Aurora", inn, ogrn, ended)


def run(affiliations=(), parties=(FIRM,), projects=(), applications=(), window=36):
    return d.detect(
        affiliations=affiliations,
        parties=parties,
        projects=projects,
        applications=applications,
        today=TODAY,
        window_months=window,
    )


@pytest.mark.rule(13)
@pytest.mark.parametrize("kind", ["employment", "contract", "financial_interest"])
def test_current_ties_with_the_applicant_block(kind):
    [found] = run([aff(kind)])
    assert (found.reviewer_id, found.application_id, found.severity, found.source) == (
        10,
        1,
        "blocking",
        "applicant",
    )


@pytest.mark.rule(13)
def test_the_window_counts_back_36_months_to_the_day():
    assert d.window_start(TODAY, 36) == date(2023, 11, 23)
    assert run([aff(ended=date(2023, 11, 23))])[0].severity == "blocking"
    assert run([aff(ended=date(2023, 11, 22))]) == []
    assert run([aff(ended=date(2025, 1, 1))], window=12) == []
    assert d.window_start(date(2026, 3, 31), 1) == date(2026, 2, 28)


@pytest.mark.rule(13)
def test_organisations_match_by_ogrn_when_the_inn_differs_never_by_name():
    assert run([aff(inn="7705031674", ogrn="1027700132195")])[0].severity == "blocking"
    assert run([aff(inn="7705031674")]) == []  # same name "Aurora", other company


@pytest.mark.rule(13)
def test_group_company_cro_and_site_block_with_their_own_source():
    parties = [
        FIRM,
        d.PartyRow(1, d.GROUP, "Aurora Holding", "7705031674"),
        d.PartyRow(1, d.CRO, "Trial Partners", "7710140679"),
        d.PartyRow(1, d.SITE, "City Hospital 1", "7702070139"),
    ]
    found = run([aff(inn="7705031674"), aff("contract", inn="7710140679"), aff("financial_interest", inn="7702070139")],
                parties=parties)  # fmt: skip
    assert {(f.source, f.severity) for f in found} == {
        ("group", "blocking"),
        ("cro", "blocking"),
        ("site", "blocking"),
    }


@pytest.mark.rule(14)
def test_another_tie_is_potential_and_blocking_wins_for_the_same_cause():
    assert [(f.severity, f.source) for f in run([aff("other")])] == [("potential", "applicant")]
    assert [f.severity for f in run([aff("other"), aff("employment")])] == ["blocking"]


@pytest.mark.rule(14)
def test_competing_projects_on_the_same_target_or_indication_are_potential():
    app = d.ApplicationRow(
        1, "C92.0", "L01FX", "Anti-CD123 antibody FC-101 blocks CD123 on leukaemic stem cells"
    )
    cases = [
        (d.ProjectRow(10, target="cd123"), "cd123"),
        (d.ProjectRow(11, icd10_code="C92"), "ICD-10 C92"),
        (d.ProjectRow(12, atc_code="L01FX02"), "ATC L01FX02"),
        (d.ProjectRow(13, target="leukaemic stem cells"), "leukaemic stem cells"),
    ]
    found = run(parties=(), projects=[p for p, _ in cases], applications=[app])
    assert [(f.reviewer_id, f.severity, f.source, f.note) for f in found] == [
        (10 + i, "potential", "competitor", note) for i, (_, note) in enumerate(cases)
    ]
    unrelated = [
        d.ProjectRow(20, target="CD12"),  # a different target, not a substring match
        d.ProjectRow(21, icd10_code="C91"),
        d.ProjectRow(22, atc_code="L01"),  # level 2 is too coarse to call a competitor
        d.ProjectRow(23, target="cd123", ended_on=date(2020, 1, 1)),
    ]
    assert run(parties=(), projects=unrelated, applications=[app]) == []
