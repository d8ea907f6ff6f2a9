"""The demo seeder's grants part: idempotent, and its applications are real (versions, states)."""

import pytest

from grants.demo import seed_grants_demo
from grants.models import Application, Program, Round
from tests import factories

pytestmark = pytest.mark.django_db


def test_seed_grants_demo_is_idempotent(ministry, officer):
    firms = [factories.OrganisationFactory() for _ in range(3)]
    for firm in firms:
        factories.ApplicantFactory(organisation=firm)
    first = seed_grants_demo(ministry=ministry, firms=firms, officer=officer)
    assert first == {"rounds_created": 1, "applications_created": 4}
    second = seed_grants_demo(ministry=ministry, firms=firms, officer=officer)
    assert second == {"rounds_created": 0, "applications_created": 0}
    assert Program.objects.count() == 1
    round_ = Round.objects.get()
    assert round_.state == "open"
    assert round_.criteria.count() == 5
    states = sorted(Application.objects.values_list("state", flat=True))
    assert states == ["draft", "submitted", "submitted", "withdrawn"]
    submitted = Application.objects.get(drug_name="AUR-101")
    assert submitted.versions.get().snapshot["requested_amount"] == "124850000.50"
