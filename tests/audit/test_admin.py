"""The Django admin shows the trail but offers no way to add, change or delete an event."""

from __future__ import annotations

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return factories.UserFactory(role="admin", organisation=None, is_superuser=True, is_staff=True)


@pytest.mark.rule(36)
def test_admin_lists_events_read_only(client, superuser, chain):
    client.force_login(superuser)
    listing = client.get("/admin/audit/auditevent/")
    assert listing.status_code == 200
    assert "organisation.update" in listing.content.decode()
    assert client.get("/admin/audit/auditevent/add/").status_code == 403
    change = client.post(f"/admin/audit/auditevent/{chain[0].id}/change/", {"reason": "rewritten"})
    assert change.status_code == 403
    chain[0].refresh_from_db()
    assert chain[0].reason == "step 1"
    assert client.post(f"/admin/audit/auditevent/{chain[0].id}/delete/", {"post": "yes"}).status_code == 403
    assert type(chain[0]).objects.filter(id=chain[0].id).exists()
