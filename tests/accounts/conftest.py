import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english(settings):
    """Assertions read English text: pin the language so Russian translations do not change them."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
