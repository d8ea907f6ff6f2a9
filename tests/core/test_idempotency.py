import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEvent
from core.idempotency import request_fingerprint
from core.models import IdempotencyKey
from core.tasks import purge_idempotency_keys
from tests.testapp.models import Gadget, TaskRun

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.testapp.urls")]


def client_for(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def post(client, body, key=None, path="/api/gadgets/"):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(path, body, format="json", headers=headers)


def test_same_post_with_same_key_twice_makes_one_record_and_the_same_response(applicant):
    client = client_for(applicant)

    first = post(client, {"name": "Pump", "amount": "10.50"}, key="k-1")
    second = post(client, {"amount": "10.50", "name": "Pump"}, key="k-1")

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert first.json()["name"] == "Pump"
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert Gadget.objects.count() == 1
    assert TaskRun.objects.count() == 1


def test_without_a_key_each_post_creates(applicant):
    client = client_for(applicant)

    post(client, {"name": "Pump"})
    post(client, {"name": "Pump"})

    assert Gadget.objects.count() == 2


def test_same_key_with_a_different_body_is_refused(applicant):
    client = client_for(applicant)
    post(client, {"name": "Pump"}, key="k-1")

    response = post(client, {"name": "Valve"}, key="k-1")

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert response.json()["field"] == "Idempotency-Key"
    assert list(Gadget.objects.values_list("name", flat=True)) == ["Pump"]


def test_same_key_on_another_endpoint_is_refused(applicant, firm):
    client = client_for(applicant)
    gadget = Gadget.objects.create(name="g", organisation=firm, amount="1.00")
    post(client, {"name": "Pump"}, key="k-1")

    response = post(client, {"name": "Pump"}, key="k-1", path=f"/api/gadgets/{gadget.pk}/submit/")

    assert response.json()["code"] == "idempotency_key_reused"
    assert Gadget.objects.get(pk=gadget.pk).state == "draft"


def test_keys_belong_to_one_user(applicant, other_applicant):
    post(client_for(applicant), {"name": "Pump"}, key="shared")

    response = post(client_for(other_applicant), {"name": "Pump"}, key="shared")

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response.headers
    assert Gadget.objects.count() == 2


def test_a_request_still_in_flight_gets_409(applicant):
    IdempotencyKey.objects.create(
        user=applicant,
        key="k-1",
        method="POST",
        path="/api/gadgets/",
        request_hash=request_fingerprint("POST", "/api/gadgets/", {"name": "Pump"}),
    )

    response = post(client_for(applicant), {"name": "Pump"}, key="k-1")

    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_request_in_flight"
    assert Gadget.objects.count() == 0


def test_a_failed_request_releases_its_key(applicant):
    client = client_for(applicant)

    refused = post(client, {"amount": "1.00"}, key="k-1")
    created = post(client, {"name": "Pump", "amount": "1.00"}, key="k-1")

    assert refused.status_code == 400
    assert created.status_code == 201
    assert "Idempotent-Replayed" not in created.headers
    assert Gadget.objects.count() == 1


def test_a_replayed_workflow_action_runs_once(applicant, firm):
    client = client_for(applicant)
    gadget = Gadget.objects.create(name="g", organisation=firm, amount="1.00")
    path = f"/api/gadgets/{gadget.pk}/submit/"

    first = post(client, {}, key="submit-1", path=path)
    replay = post(client, {}, key="submit-1", path=path)
    again_without_key = post(client, {}, path=path)

    assert (first.status_code, replay.status_code) == (200, 200)
    assert replay.json() == first.json()
    assert first.json()["state"] == "submitted"
    assert again_without_key.json()["code"] == "invalid_transition"
    assert AuditEvent.objects.filter(action="gadget.submit", object_id=str(gadget.pk)).count() == 1


@pytest.mark.parametrize("key", ["x" * 201, "ключ", "a\nb"])
def test_malformed_keys_are_refused(applicant, key):
    client = client_for(applicant)
    response = client.post("/api/gadgets/", {"name": "Pump"}, format="json", HTTP_IDEMPOTENCY_KEY=key)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_idempotency_key"
    assert Gadget.objects.count() == 0


def test_purge_deletes_keys_older_than_seven_days(applicant):
    with time_machine.travel(timezone.now() - timedelta(days=8)):
        post(client_for(applicant), {"name": "Old"}, key="old")
    with time_machine.travel(timezone.now() - timedelta(days=6)):
        post(client_for(applicant), {"name": "Recent"}, key="recent")

    assert purge_idempotency_keys() == 1

    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["recent"]


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_identical_posts_make_one_record(applicant):
    barrier = threading.Barrier(10)
    responses: list = []

    def send():
        try:
            client = client_for(applicant)
            barrier.wait(timeout=10)
            responses.append(post(client, {"name": "Pump", "amount": "3.00"}, key="burst"))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(responses) == 10
    assert Gadget.objects.count() == 1
    assert TaskRun.objects.count() == 1
    created = [r for r in responses if r.status_code == 201]
    assert created, [r.status_code for r in responses]
    assert {r.json()["id"] for r in created} == {Gadget.objects.get().pk}
    in_flight = [r for r in responses if r.status_code == 409]
    assert all(r.json()["code"] == "idempotency_request_in_flight" for r in in_flight)
    assert len(created) + len(in_flight) == 10


# --- page forms ---------------------------------------------------------------------------------
@pytest.fixture
def browser(applicant):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(applicant)
    return client


def token_of(page: str) -> str:
    marker = 'name="idempotency_token" value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


def test_each_render_of_the_form_carries_a_fresh_hidden_token(browser):
    first = browser.get("/gadgets/new/").content.decode()
    second = browser.get("/gadgets/new/").content.decode()

    assert 'type="hidden" name="idempotency_token"' in first
    assert token_of(first) != token_of(second)


def test_double_submitted_form_makes_one_record_and_both_land_on_it(browser):
    token = token_of(browser.get("/gadgets/new/").content.decode())
    form = {"name": "Pump", "amount": "1 000,50", "idempotency_token": token}

    first = browser.post("/gadgets/new/", form)
    second = browser.post("/gadgets/new/", form)

    gadget = Gadget.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == f"/gadgets/{gadget.pk}/"
    assert second["Idempotent-Replayed"] == "true"
    assert str(gadget.amount) == "1000.50"


def test_resubmitting_a_used_token_with_other_values_shows_a_form_error(browser):
    token = token_of(browser.get("/gadgets/new/").content.decode())
    browser.post("/gadgets/new/", {"name": "Pump", "idempotency_token": token})

    page = browser.post("/gadgets/new/", {"name": "Valve", "idempotency_token": token})

    assert page.status_code == 200
    assert "already used for a different request" in page.content.decode()
    assert Gadget.objects.count() == 1


def test_a_form_with_errors_keeps_its_token_usable(browser):
    token = token_of(browser.get("/gadgets/new/").content.decode())

    invalid = browser.post("/gadgets/new/", {"name": "Pump", "amount": "1,001", "idempotency_token": token})
    fixed = browser.post("/gadgets/new/", {"name": "Pump", "amount": "1,00", "idempotency_token": token})

    assert "at most two decimal places" in invalid.content.decode()
    assert fixed.status_code == 302
    assert Gadget.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_double_click_makes_one_record_and_both_clicks_land_on_it(applicant):
    barrier = threading.Barrier(2)
    locations: list = []
    form = {"name": "Pump", "idempotency_token": "double-click"}

    def click():
        try:
            client = Client()
            client.force_login(applicant)
            barrier.wait(timeout=10)
            locations.append(client.post("/gadgets/new/", form)["Location"])
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    gadget = Gadget.objects.get()
    assert locations == [f"/gadgets/{gadget.pk}/"] * 2
