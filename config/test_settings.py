"""Test overrides: real PostgreSQL (DATABASE_URL or the local default), locmem e-mail, fast hashing."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/firstclass")

from config.settings import *  # noqa: F403
from config.settings import DATABASES, INSTALLED_APPS

# Parallel runs on one server (xdist adds _gw0, _gw1) need distinct names; TEST_DB_NAME sets the stem.
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_DB_NAME", "test_firstclass")}
DATABASES["default"]["CONN_MAX_AGE"] = 0
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
AXES_FAILURE_LIMIT = 5

# A test-only app whose small models, workflow and endpoint exercise the core mechanisms.
INSTALLED_APPS = [*INSTALLED_APPS, "tests.testapp"]
# Publishing from tests goes nowhere unless a test starts a real worker (tests/workers points the app
# at Redis); it must never drop files into the demo's filesystem:// broker folders.
CELERY_BROKER_URL = "memory://"
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
