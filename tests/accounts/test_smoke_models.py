import pytest

from accounts.validators import check_inn, check_ogrn
from tests import factories


@pytest.mark.django_db
def test_factory_identifiers_are_valid():
    org = factories.OrganisationFactory()
    assert check_inn(org.inn) is None
    assert check_ogrn(org.ogrn) is None
    org.full_clean()
