"""The reviewers pages as people use them: the gate, the scoring form, blindness, 404s, officers' pages."""

import pytest
from django.urls import reverse

from reviewers import services
from reviewers.models import Assignment
from tests.reviewers.conftest import assignment_of, declare, full_scores, reviewers_of, submit_review

pytestmark = pytest.mark.django_db


def on(application, panel, assigned_to=True):
    return next(u for u in panel if (u.username in reviewers_of(application)) == assigned_to)


@pytest.mark.rule(15)
def test_the_reviewer_declares_then_reads_the_frozen_content(client, applications, assigned, panel):
    target = applications[0]
    reviewer = on(target, panel)
    client.force_login(reviewer)

    listing = client.get(reverse("reviewers:my_assignments")).content.decode()
    assert target.title in listing and "Declare and open" in listing
    page = client.get(reverse("reviewers:application", args=[target.pk]))
    assert page.status_code == 302 and page["Location"] == reverse("reviewers:declare", args=[target.pk])
    gate = client.get(page["Location"]).content.decode()
    assert target.title in gate and target.organisation.inn in gate
    assert "Blocks CD123 on leukaemic stem cells" not in gate  # no content before the declaration

    refused = client.post(
        reverse("reviewers:declare", args=[target.pk]), {"declare": "1", "no_conflict": "on"}
    )
    assert refused.status_code == 400
    assert "Confirm that you will keep the application confidential." in refused.content.decode()
    done = client.post(
        reverse("reviewers:declare", args=[target.pk]),
        {"declare": "1", "no_conflict": "on", "confidentiality": "on"},
    )
    assert done["Location"] == reverse("reviewers:application", args=[target.pk])
    content = client.get(done["Location"]).content.decode()
    assert "Blocks CD123 on leukaemic stem cells" in content and "Version 1" in content
    document_id = assignment_of(reviewer, target).review.application_version.snapshot["documents"][0]["id"]
    download = client.get(reverse("reviewers:document", args=[target.pk, document_id]))
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")


@pytest.mark.rule(13)
@pytest.mark.rule(15)
def test_a_conflicted_reviewer_gets_404_everywhere_and_sees_it_in_no_list(
    client, applications, assigned, panel
):
    target = applications[0]
    reviewer = on(target, panel)
    declare(reviewer, target)
    services.assignment_declare_conflict(
        actor=reviewer, assignment=assignment_of(reviewer, target), description="I consulted for the firm."
    )
    client.force_login(reviewer)
    document_id = assignment_of(reviewer, target).review.application_version.snapshot["documents"][0]["id"]
    for url in (
        reverse("reviewers:declare", args=[target.pk]),
        reverse("reviewers:application", args=[target.pk]),
        reverse("reviewers:review", args=[target.pk]),
        reverse("reviewers:document", args=[target.pk, document_id]),
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert target.title not in response.content.decode()
    for show in ("open", "submitted", "all"):
        assert (
            target.title
            not in client.get(reverse("reviewers:my_assignments"), {"show": show}).content.decode()
        )
    assert target.title not in client.get(reverse("core:dashboard")).content.decode()
    assert client.post(reverse("reviewers:decline", args=[target.pk]), {"reason": "x"}).status_code == 404


@pytest.mark.rule(18)
def test_the_scoring_form_saves_drafts_in_place_and_submits_only_when_complete(
    client, applications, assigned, panel
):
    target = applications[0]
    reviewer = on(target, panel)
    declare(reviewer, target)
    client.force_login(reviewer)
    url = reverse("reviewers:review", args=[target.pk])
    form = client.get(url).content.decode()
    assert "Novelty of the first/best-in-class claim" in form and 'value="4.5"' in form

    draft = client.post(
        url, {"save": "1", "value_novelty": "4.5", "comment_novelty": "Clear"}, HTTP_HX_REQUEST="true"
    )
    assert draft.status_code == 200 and "Draft saved at" in draft.content.decode()
    assert "<html" not in draft.content.decode()  # only the status fragment is swapped
    assert assignment_of(reviewer, target).review.scores.get(criterion__code="novelty").comment == "Clear"

    incomplete = client.post(url, {"submit": "1", "value_novelty": "4.5", "comment_novelty": "Clear"})
    body = incomplete.content.decode()
    assert incomplete.status_code == 400
    assert (
        "“Unmet clinical need”: give a score." in body and "“Budget justification”: explain the score" in body
    )
    data = {"submit": "1", "overall_comment": "Convincing."}
    for code, given in full_scores("3.5").items():
        data[f"value_{code}"], data[f"comment_{code}"] = given["value"], given["comment"]
    submitted = client.post(url, data)
    assert submitted.status_code == 302
    page = client.get(url).content.decode()
    assert "Your review" in page and 'id="scoring-form"' not in page
    assert assignment_of(reviewer, target).review.state == "submitted"


@pytest.mark.rule(17)
def test_other_reviews_appear_only_after_submitting(client, applications, assigned, panel):
    target = applications[0]
    first, second = [u for u in panel if u.username in reviewers_of(target)][:2]
    first_review = submit_review(first, target, value="5")
    services.review_save_draft  # noqa: B018
    declare(second, target)
    client.force_login(second)
    url = reverse("reviewers:review", args=[target.pk])
    before = client.get(url).content.decode()
    assert "shown once you submit yours" in before and "A strong application." not in before
    assert client.get(reverse("reviewers:review_detail", args=[first_review.pk])).status_code == 403

    submit_review(second, target, value="3")
    after = client.get(url).content.decode()
    assert "A strong application." in after and "Reviewer 1" in after
    assert first.get_full_name() not in after  # co-reviewers stay anonymous


@pytest.mark.rule(16)
def test_officer_runs_the_assignment_and_sees_the_report_matrix_and_loads(
    client, officer, review_round, applications, ministry
):
    from tests.reviewers.conftest import make_reviewer

    make_reviewer(ministry, username="only1")
    make_reviewer(ministry, username="only2")
    client.force_login(officer)
    url = reverse("reviewers:round", args=[review_round.pk])
    assert "Assign reviewers" in client.get(url).content.decode()

    response = client.post(reverse("reviewers:run", args=[review_round.pk]), follow=True)

    body = response.content.decode()
    assert "Assignment impossible: nothing was assigned" in body
    assert "This application needs 3 reviewers but only 2 are eligible" in body
    assert all(a.title in body for a in applications)
    assert not Assignment.objects.exists()
    make_reviewer(ministry, username="third")
    body = client.post(reverse("reviewers:run", args=[review_round.pk]), follow=True).content.decode()
    assert "Reviewers assigned: 9 new assignments." in body and "3/3" in body


def test_auditors_read_round_pages_but_cannot_act(
    client, auditor, review_round, assigned, applications, panel
):
    client.force_login(auditor)
    for name in ("round", "progress", "scores", "conflicts"):
        page = client.get(reverse(f"reviewers:{name}", args=[review_round.pk]))
        assert page.status_code == 200, name
    assert (
        "run-assignment"
        not in client.get(reverse("reviewers:round", args=[review_round.pk])).content.decode()
    )
    assert client.post(reverse("reviewers:run", args=[review_round.pk])).status_code == 403
    assignment = Assignment.objects.first()
    assert (
        client.post(reverse("reviewers:reassign", args=[assignment.pk]), {"reason": "x"}).status_code == 403
    )
    assert client.get(reverse("reviewers:summary", args=[applications[0].pk])).status_code == 200


def test_applicants_and_reviewers_cannot_open_officer_pages(client, applicant, review_round, panel):
    client.force_login(applicant)
    assert client.get(reverse("reviewers:round", args=[review_round.pk])).status_code == 403
    assert client.get(reverse("reviewers:my_assignments")).status_code == 403
    client.force_login(panel[0])
    assert client.get(reverse("reviewers:scores", args=[review_round.pk])).status_code == 403


@pytest.mark.rule(19)
def test_progress_swap_and_reassign_by_the_officer(
    client, officer, review_round, applications, assigned, panel
):
    target = applications[0]
    current, spare = on(target, panel), on(target, panel, assigned_to=False)
    client.force_login(officer)
    assert (
        current.get_full_name()
        in client.get(reverse("reviewers:progress", args=[review_round.pk])).content.decode()
    )
    swap_url = reverse("reviewers:swap", args=[assignment_of(current, target).pk])
    form = client.get(swap_url).content.decode()
    assert spare.get_full_name() in form
    response = client.post(swap_url, {"reviewer": spare.pk, "reason": "Better fit"})
    assert response.status_code == 302
    assert (
        assignment_of(current, target).state == "reassigned"
        and assignment_of(spare, target).state == "assigned"
    )
    refused = client.post(
        reverse("reviewers:reassign", args=[assignment_of(spare, target).pk]), {"reason": ""}
    )
    assert refused.status_code == 302 and assignment_of(spare, target).state == "assigned"


@pytest.mark.rule(14)
def test_officer_decides_a_potential_conflict_on_the_conflicts_page(
    client, officer, review_round, applications, panel
):
    rival = panel[0]
    services.competing_project_add(actor=rival, profile=services.profile_of(rival), target="CD123")
    client.force_login(officer)
    url = reverse("reviewers:conflicts", args=[review_round.pk])
    assert "Record the decision" in client.get(url).content.decode()
    client.post(
        reverse("reviewers:decide_conflict", args=[review_round.pk]),
        {
            "reviewer": rival.pk,
            "application": applications[0].pk,
            "outcome": "cleared",
            "reason": "Different epitope",
        },
    )
    page = client.get(url).content.decode()
    assert "Different epitope" in page and "Record the decision" not in page


def test_reviewer_keeps_their_profile_and_ties(client, panel, applications):
    reviewer = panel[0]
    client.force_login(reviewer)
    page = client.get(reverse("reviewers:my_profile")).content.decode()
    assert "Ties to organisations" in page
    profile = services.profile_of(reviewer)
    bad = client.post(
        reverse("reviewers:affiliation_add", args=[profile.pk]),
        {"kind": "employment", "organisation_name": "X", "inn": "7707083890"},
    )
    assert bad.status_code == 400 and "INN check digit is wrong" in bad.content.decode()
    client.post(
        reverse("reviewers:affiliation_add", args=[profile.pk]),
        {"kind": "employment", "organisation_name": "Aurora", "inn": applications[0].organisation.inn},
    )
    assert profile.affiliations.count() == 1
    done = client.post(reverse("reviewers:project_add", args=[profile.pk]), {"target": "PD-1"})
    assert done.status_code == 302 and list(profile.competing_projects.values_list("target", flat=True)) == [
        "PD-1"
    ]
    other = services.profile_of(panel[1])
    assert client.get(reverse("reviewers:profile", args=[other.pk])).status_code == 404
    assert client.post(reverse("reviewers:expertise", args=[other.pk]), {"keywords": "x"}).status_code == 404
