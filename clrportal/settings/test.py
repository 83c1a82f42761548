"""Tests: fast hashing, in-memory email, tasks run where the test says (eager unless it starts a worker)."""

import os

from .base import *  # noqa: F403
from .base import DATABASES, KEY_ENCRYPTION_KEY, VAR_DIR
from .env import env_bool

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production-0123456789abcdefghijklmnop"
KEY_ENCRYPTION_KEY = KEY_ENCRYPTION_KEY or "test-key-encryption-key-0123456789abcdefghijklmnopqrstuvwxyz"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", "api.hashers.ClientSecretHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
if os.environ.get("PORTAL_TEST_MAIL_DIR"):
    # End-to-end tests' workers: what they send lands in files the test reads.
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ["PORTAL_TEST_MAIL_DIR"]
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
# End-to-end tests run real workers on these settings; they turn eager mode off.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", True)
CELERY_TASK_EAGER_PROPAGATES = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "clrportal.storage.PrivateFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
VAR_DIR.mkdir(parents=True, exist_ok=True)
PORTAL_RSA_KEY_BITS = 2048  # the minimum allowed; generating 3072-bit keys would slow every test
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory: the Celery workers of tests/e2e open the same test database. One per
    # process, so test runs started side by side do not share it.
    DATABASES["default"].setdefault("TEST", {})["NAME"] = str(VAR_DIR / f"test-{os.getpid()}.sqlite3")
# In-memory for speed; tests/project/test_rate_limits.py proves the real CACHES are shared between processes.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "progress": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "progress"},
}
# Many tests log in through the real form; allauth's login rate limit would turn later ones into 429s.
ACCOUNT_RATE_LIMITS = False
