from decimal import Decimal

import pytest

from tests.testapp.models import Gadget


@pytest.fixture
def make_gadget(firm):
    """Gadgets start as drafts of `firm` with an amount, ready to submit."""

    def make(**fields) -> Gadget:
        fields = {"name": "Widget", "organisation": firm, "amount": Decimal("100.00"), **fields}
        return Gadget.objects.create(**fields)

    return make
