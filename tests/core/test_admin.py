"""Operators can read the outbox and the idempotency keys in the admin, and change nothing."""

import pytest
from django.test import Client

from accounts.enums import Role
from core.models import IdempotencyKey, OutboxMessage
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_en():
    admin = UserFactory(role=Role.ADMIN, organisation=None, is_staff=True, is_superuser=True)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(admin)
    return client, admin


def test_outbox_is_listed_and_read_only(admin_client_en):
    client, _admin = admin_client_en
    message = OutboxMessage.objects.create(
        task_name="testapp.record_run", kwargs={"label": "x"}, last_error="boom"
    )

    listing = client.get("/admin/core/outboxmessage/").content.decode()
    detail = client.get(f"/admin/core/outboxmessage/{message.pk}/change/").content.decode()
    post = client.post(f"/admin/core/outboxmessage/{message.pk}/change/", {"task_name": "other"})

    assert "testapp.record_run" in listing
    assert "/admin/core/outboxmessage/add/" not in listing
    assert "boom" in detail
    assert 'name="task_name"' not in detail
    assert post.status_code == 403
    assert client.get("/admin/core/outboxmessage/add/").status_code == 403
    assert OutboxMessage.objects.get(pk=message.pk).task_name == "testapp.record_run"


def test_idempotency_keys_are_listed_and_cannot_be_deleted(admin_client_en):
    client, admin = admin_client_en
    key = IdempotencyKey.objects.create(
        user=admin, key="k", method="POST", path="/api/x/", request_hash="0" * 64
    )

    listing = client.get("/admin/core/idempotencykey/").content.decode()
    delete = client.post(f"/admin/core/idempotencykey/{key.pk}/delete/", {"post": "yes"})

    assert "/api/x/" in listing
    assert delete.status_code == 403
    assert IdempotencyKey.objects.filter(pk=key.pk).exists()
