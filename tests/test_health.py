"""`/healthz` tells an operator (and docker-compose) what is down, with a status code a probe can read."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from core.health import HEARTBEAT_CACHE_KEY

LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "healthz"}}
UNUSED_REDIS = "redis://127.0.0.1:6399/0"  # nothing listens here in the test environment


@pytest.fixture
def filesystem_broker(tmp_path):
    folders = {name: tmp_path / name for name in ("queue", "control")}
    for folder in folders.values():
        folder.mkdir()
    options = {
        "data_folder_in": str(folders["queue"]),
        "data_folder_out": str(folders["queue"]),
        "control_folder": str(folders["control"]),
    }
    with override_settings(CELERY_BROKER_URL="filesystem://", CELERY_BROKER_TRANSPORT_OPTIONS=options):
        yield folders


@pytest.fixture(autouse=True)
def local_cache():
    with override_settings(CACHES=LOCMEM):
        cache.clear()
        yield
        cache.clear()


@pytest.mark.django_db
def test_all_up_with_a_fresh_heartbeat_is_ok(client, filesystem_broker):
    beat = timezone.now() - timedelta(seconds=5)
    cache.set(HEARTBEAT_CACHE_KEY, beat.isoformat())

    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "broker": "ok",
        "worker": {"last_heartbeat": beat.isoformat(), "fresh": True},
        "failing": [],
    }
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_redis_broker_that_answers_is_ok(client):
    with override_settings(CELERY_BROKER_URL="redis://127.0.0.1:6379/0", CELERY_BROKER_TRANSPORT_OPTIONS={}):
        response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json()["broker"] == "ok"


@pytest.mark.django_db
def test_redis_broker_down_gives_503_naming_the_broker(client):
    with override_settings(CELERY_BROKER_URL=UNUSED_REDIS, CELERY_BROKER_TRANSPORT_OPTIONS={}):
        started = timezone.now()
        response = client.get(reverse("healthz"))
        elapsed = timezone.now() - started

    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "degraded"
    assert body["broker"] == "down"
    assert body["database"] == "ok"
    assert body["failing"] == ["broker"]
    # A probe must get an answer well inside its own timeout, not hang on broker retries.
    assert elapsed < timedelta(seconds=10)


@pytest.mark.django_db
def test_missing_filesystem_broker_folder_is_a_broker_failure(client, filesystem_broker):
    filesystem_broker["queue"].rmdir()

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]


@pytest.mark.django_db
def test_stale_heartbeat_is_degraded_but_not_a_failure(client, filesystem_broker):
    beat = timezone.now() - timedelta(minutes=10)
    cache.set(HEARTBEAT_CACHE_KEY, beat.isoformat())

    response = client.get(reverse("healthz"))

    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "degraded"
    assert body["worker"] == {"last_heartbeat": beat.isoformat(), "fresh": False}
    assert body["failing"] == []


@pytest.mark.django_db
def test_no_heartbeat_yet_reports_unknown_worker(client, filesystem_broker):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json()["worker"] == {"last_heartbeat": None, "fresh": False}
    assert response.json()["status"] == "degraded"


@pytest.mark.django_db
def test_healthz_refuses_writes(client, filesystem_broker):
    response = client.post(reverse("healthz"))

    assert response.status_code == 405
    assert response["Allow"] == "GET"
