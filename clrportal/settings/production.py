"""Production: refuses to start without the settings that must never have a default."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import EMAIL_BACKEND
from .env import env_bool, env_int, env_str

_REQUIRED = ["SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "PORTAL_BASE_URL", "KEY_ENCRYPTION_KEY"]
# Backends that print, keep or drop mail: password-reset and confirmation links would end up in the log.
_MAIL_NOT_DELIVERED = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "clrportal.logging.DevelopmentEmailBackend",
}
_missing = [name for name in _REQUIRED if not env_str(name, "")]
if EMAIL_BACKEND in _MAIL_NOT_DELIVERED:
    _missing.append("EMAIL_URL")
if _missing:
    raise ImproperlyConfigured(
        "Production settings need these environment variables (or NAME_FILE): "
        + ", ".join(_missing)
        + (
            ". EMAIL_URL is the SMTP server that sends account mail (or set EMAIL_BACKEND to a backend that "
            "delivers it): without one, password-reset and email-confirmation links would go to the log."
            if "EMAIL_URL" in _missing
            else ""
        )
    )
if len(env_str("SECRET_KEY")) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long.")
if len(env_str("KEY_ENCRYPTION_KEY")) < 32:
    raise ImproperlyConfigured("KEY_ENCRYPTION_KEY must be at least 32 characters long.")

DEBUG = False
PORTAL_ADMIN_ENABLED = env_bool("PORTAL_ADMIN_ENABLED", False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "clrportal.storage.PrivateFileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_TRUSTED_ORIGINS = [PORTAL_BASE_URL]  # noqa: F405
X_FRAME_OPTIONS = "DENY"
