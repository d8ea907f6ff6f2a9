"""The reviewer's application page shows names and money, never the codes and decimal strings it stores."""

import pytest
from django.urls import reverse

from tests.reviewers.conftest import declare, reviewers_of

pytestmark = pytest.mark.django_db


def test_the_frozen_application_shows_labels_and_formatted_money(client, applications, assigned, panel):
    target = applications[0]
    reviewer = next(u for u in panel if u.username in reviewers_of(target))
    declare(reviewer, target)
    client.force_login(reviewer)

    content = client.get(reverse("reviewers:application", args=[target.pk])).content.decode()

    for label in ("Monoclonal antibody", "Oncology", "First-in-class", "Phase 3", "Trial protocol"):
        assert label in content, label
    assert "Payments to medical organisations (trial sites)" in content
    assert "Contract research organisation services" in content
    for code in ("monoclonal_antibody", "first_in_class", "phase_3", ">site<", ">oncology<", "(protocol)"):
        assert code not in content, code
    # 1 000 000,50 + 250 000,00 with the narrow no-break space the money filter uses.
    assert "1\u202f000\u202f000,50\u00a0₽" in content and "1\u202f250\u202f000,50\u00a0₽" in content
    assert "1000000.50" not in content and "1250000.50" not in content
