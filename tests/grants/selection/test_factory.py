"""The contract helper other apps (trials) build on: a published selected application."""

from decimal import Decimal

from grants.selectors import funding_decision_for, selected_application_get
from tests import factories


def test_make_selected_application_gives_a_published_selection(officer, reference_lists):
    firm = factories.OrganisationFactory()
    applicant = factories.ApplicantFactory(organisation=firm)
    application = factories.make_selected_application(
        officer=officer, firm=firm, amount=Decimal("12500000.50")
    )
    decision = funding_decision_for(application)
    assert (decision.outcome, decision.approved_amount) == ("selected", Decimal("12500000.50"))
    assert decision.published_at is not None
    assert application.state == "selected"
    assert application.round.state == "published"
    assert selected_application_get(applicant, application.pk) == application
    assert selected_application_get(officer, application.pk) == application
