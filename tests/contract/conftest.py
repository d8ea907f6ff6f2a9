"""Contract fixtures: the cast (`people`) and firm A's world, built through the real services."""

from __future__ import annotations

import pytest
from django.utils import translation

from tests.contract.builders import People, World


@pytest.fixture(autouse=True)
def english():
    """Messages are compared in English; the Russian catalogue is produced later."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def people(db) -> People:
    return People()


@pytest.fixture
def world(people) -> World:
    """Firm A's objects, every registered model built."""
    return World(people).build_all()
