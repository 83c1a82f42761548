"""Settings shared by every environment. Values come only from the environment (see env.py)."""

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import dj_database_url
from django.conf import global_settings
from django.core.exceptions import ImproperlyConfigured

from .env import env_bool, env_int, env_list, env_str, env_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("PORTAL_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])

# The public address of the portal: credential ids, did:web identifiers and share links derive from it.
PORTAL_BASE_URL = env_url("PORTAL_BASE_URL", "http://127.0.0.1:8000")
PORTAL_HOST = urlsplit(PORTAL_BASE_URL).netloc

# Private signing keys are encrypted at rest with a key derived from this secret.
KEY_ENCRYPTION_KEY = env_str("KEY_ENCRYPTION_KEY", "")
# Older secrets still accepted for decryption while keys are re-encrypted (comma separated).
KEY_ENCRYPTION_KEY_FALLBACKS = env_list("KEY_ENCRYPTION_KEY_FALLBACKS", [])

# RSA keys sign VC-JWTs with RS256; OB 3.0 requires at least 2048 bits.
PORTAL_RSA_KEY_BITS = env_int("PORTAL_RSA_KEY_BITS", 3072, minimum=2048)

# Verifying credentials of other issuers: fetch their did:web documents and status lists over HTTPS.
# Off, such checks are reported as "could not check". JSON-LD contexts are never fetched either way.
PORTAL_ALLOW_REMOTE_RESOLUTION = env_bool("PORTAL_ALLOW_REMOTE_RESOLUTION", False)

# Institution admins must set up TOTP two-factor before they can use admin pages.
PORTAL_REQUIRE_ADMIN_MFA = env_bool("PORTAL_REQUIRE_ADMIN_MFA", False)
# Django admin at /admin/ for platform operators; its sign-in is allauth's (two-factor, rate limits).
# Production turns it off unless set.
PORTAL_ADMIN_ENABLED = env_bool("PORTAL_ADMIN_ENABLED", True)
# Proxies of ours in front of the portal, each appending the address it saw to X-Forwarded-For. With 0 the
# header is ignored (anyone can write it) and the client is REMOTE_ADDR. Rate limits count per client
# (clrportal/ratelimits.py client_address).
PORTAL_TRUSTED_PROXIES = env_int("PORTAL_TRUSTED_PROXIES", 0, minimum=0)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "oauth2_provider",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "clrportal",
    "institutions",
    "achievements",
    "credentials",
    "experiences",
    "wallet",
    "api",
    "delivery",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "clrportal.middleware.RejectNulInQueryMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "clrportal.errors.FriendlyNotFoundMiddleware",  # the portal's 404 page under DEBUG too
]

# Content-Security-Policy (django-csp 4.x) on every response, uploaded and static files included: scripts
# and styles only from the portal's own static files (no inline script or style, no nonce needed), no
# plugins, no <base>, no framing, forms only to the portal. Images may be data: URIs (Pico's CSS icons,
# badge images inline in a credential) and https: (an imported badge's image is on its issuer's site);
# an image never runs script. Credential addresses reach a page only through clrportal.links.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "https:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

ROOT_URLCONF = "clrportal.urls"
WSGI_APPLICATION = "clrportal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "clrportal.context_processors.portal",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL", "")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while a worker writes; wait instead of failing on a busy lock.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "institutions.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-allauth: email is the login; addresses are verified before first use.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = env_str("ACCOUNT_EMAIL_VERIFICATION", "mandatory")
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_DEFAULT_HTTP_PROTOCOL = urlsplit(PORTAL_BASE_URL).scheme
# allauth's rate limits count per client address in the shared cache (CACHES). Failed logins are limited
# per address (a spray over many e-mails from one place) and per account (guesses at one account from many
# places), so neither locks everyone out; a refused login is a 429 with Retry-After.
ACCOUNT_ADAPTER = "clrportal.ratelimits.AccountAdapter"
PORTAL_LOGIN_FAILURE_WINDOW = 300  # seconds
_failures_per_address = env_int("PORTAL_LOGIN_FAILURES_PER_ADDRESS", 20, minimum=1)
_failures_per_account = env_int("PORTAL_LOGIN_FAILURES_PER_ACCOUNT", 5, minimum=1)
ACCOUNT_RATE_LIMITS = {
    "login_failed": f"{_failures_per_address}/{PORTAL_LOGIN_FAILURE_WINDOW}s/ip,"
    f"{_failures_per_account}/{PORTAL_LOGIN_FAILURE_WINDOW}s/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env_str("MFA_TOTP_ISSUER", "CLR Portal")
LOGIN_REDIRECT_URL = "home"
LOGIN_URL = "account_login"

# Development: mail is logged (links redacted) and kept whole in var/mail/. Production needs EMAIL_URL.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "clrportal.logging.DevelopmentEmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "CLR Portal <no-reply@localhost>")
if env_str("EMAIL_URL", ""):
    # Never echo the value: it holds the SMTP password.
    _email = urlsplit(env_str("EMAIL_URL"))
    try:
        _email_port = _email.port
    except ValueError:
        _email_port = -1
    _email_schemes = {"smtp", "smtp+tls", "submission", "smtps"}
    if _email.scheme not in _email_schemes or not _email.hostname or _email_port == -1:
        raise ImproperlyConfigured(
            "EMAIL_URL must look like smtp://user:password@host:port (smtp+tls:// for STARTTLS, smtps:// for "
            "TLS from the start); the one set has no host, a bad port or another scheme."
        )
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _email.hostname
    EMAIL_PORT = _email_port or (465 if _email.scheme == "smtps" else 587)
    EMAIL_HOST_USER = unquote(_email.username or "")
    EMAIL_HOST_PASSWORD = unquote(_email.password or "")
    EMAIL_USE_TLS = _email.scheme in {"smtp+tls", "submission"}
    EMAIL_USE_SSL = _email.scheme == "smtps"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# SIS import files and evidence: no URL reaches them, only views that check who asks (clrportal/storage.py).
PORTAL_PRIVATE_MEDIA_ROOT = Path(env_str("PORTAL_PRIVATE_MEDIA_ROOT", str(VAR_DIR / "private")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "clrportal.storage.PrivateFileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Uploaded logos and imported credentials stay small; bigger bodies are refused early.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024, minimum=1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
# The largest credential file accepted anywhere: wallet imports, the verify page and POST /api/v1/verify.
PORTAL_UPLOAD_MAX_BYTES = env_int("PORTAL_UPLOAD_MAX_BYTES", 5 * 1024 * 1024, minimum=1024)
# SIS imports (achievements/imports/limits.py): the largest file, rows per file, and for a OneRoster zip
# its files' total unpacked size, how many files and how much better than 1:N a file may compress.
PORTAL_IMPORT_MAX_BYTES = env_int("PORTAL_IMPORT_MAX_BYTES", 50 * 1024 * 1024, minimum=1024)
PORTAL_IMPORT_MAX_ROWS = env_int("PORTAL_IMPORT_MAX_ROWS", 200_000, minimum=1)
PORTAL_IMPORT_MAX_UNCOMPRESSED_BYTES = env_int(
    "PORTAL_IMPORT_MAX_UNCOMPRESSED_BYTES", 100 * 1024 * 1024, minimum=1024
)
PORTAL_IMPORT_MAX_MEMBERS = env_int("PORTAL_IMPORT_MAX_MEMBERS", 100, minimum=7)
PORTAL_IMPORT_MAX_COMPRESSION_RATIO = env_int("PORTAL_IMPORT_MAX_COMPRESSION_RATIO", 100, minimum=2)

# Requests per client and period ("1200/minute"; periods second, minute, hour, day) on POST /api/v1/verify.
PORTAL_VERIFY_API_RATE = env_str("PORTAL_VERIFY_API_RATE", "1200/minute")
if not re.fullmatch(r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)", PORTAL_VERIFY_API_RATE):
    raise ImproperlyConfigured(
        f"PORTAL_VERIFY_API_RATE must look like 1200/minute (a number, then second, minute, hour or day); "
        f"it is {PORTAL_VERIFY_API_RATE!r}."
    )
REST_FRAMEWORK = {
    "EXCEPTION_HANDLER": "clrportal.errors.api_exception_handler",
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"verify": PORTAL_VERIFY_API_RATE},
    # What DRF's own throttles would trust; ours ask clrportal.ratelimits.client_address, which agrees.
    "NUM_PROXIES": PORTAL_TRUSTED_PROXIES,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CLR Portal API",
    "DESCRIPTION": "Verify Open Badges 3.0 and CLR 2.0 credentials.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
}

# Celery: Redis when REDIS_URL is set, otherwise a broker in files that needs no server.
REDIS_URL = env_str("REDIS_URL", "")
CELERY_BROKER_DIR = VAR_DIR / "celery-broker"
# Bounded waits on Redis: with it down or hung, a send fails within seconds instead of holding a request
# (what could not be sent stays queued in the database, and the periodic sweep sends it later).
REDIS_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": 2,
    "socket_timeout": 2,
}

# The cache every web process shares, so rate limits count each request once: Redis at REDIS_URL (keys
# under their own prefix, beside the broker's), else a table in the database (clrportal/migrations).
CACHE_TABLE = "portal_cache"
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("PORTAL_CACHE_KEY_PREFIX", "") or "clrportal",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    # Django's default of 300 entries would cull counters as soon as someone sprays many addresses or e-mails.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": CACHE_TABLE,
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }
# Progress of long work (an SIS import) told by a worker while its transaction is still open, so not
# through the database: Redis when there is one, else files that every process on this machine reads.
CACHES["progress"] = (
    {**CACHES["default"], "KEY_PREFIX": CACHES["default"]["KEY_PREFIX"] + "-progress"}
    if REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "progress"),
    }
)
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = REDIS_BROKER_TRANSPORT_OPTIONS
else:
    # The host part is unused by the file transport; naming one keeps kombu from warning about it.
    CELERY_BROKER_URL = "filesystem://localhost//"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "store_processed": False,
    }
# The queue tasks are sent to and workers take them from (the workers' own sends too: the sweep's).
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "") or "celery"
# PDF companions on a queue of their own when set (e.g. "pdf"), for a worker that takes only them (below)
# and is recycled: `-Q pdf --max-tasks-per-child 100`. Unset: the default queue.
PORTAL_PDF_QUEUE = env_str("PORTAL_PDF_QUEUE", "")
CELERY_TASK_ROUTES = (
    {"credentials.tasks.render_companion_pdf": {"queue": PORTAL_PDF_QUEUE}} if PORTAL_PDF_QUEUE else {}
)
# Task modules beside the apps' `tasks` (which clrportal/celery.py discovers): the PDF companion's.
CELERY_IMPORTS = ["credentials.companion_tasks"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = env_int("CELERY_WORKER_PREFETCH_MULTIPLIER", 4, minimum=1)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 300, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 360, minimum=1)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# Celery's Django fixup closes a worker's database connections every this many tasks instead of after
# each one; clrportal/celery.py keeps them between tasks as requests do (CONN_MAX_AGE, health checks).
CELERY_DB_REUSE_MAX = 1000
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# One attempt per send (redis-py itself reconnects a dropped connection): see REDIS_BROKER_TRANSPORT_OPTIONS.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 0}
# Queued credentials and unsigned status lists older than this are sent to the workers again by the
# periodic sweep: work whose message never reached the broker (it was down), or was lost with it or
# with a killed worker. Signing is idempotent, so a resend of work on its way is harmless.
PORTAL_RESEND_QUEUED_AFTER = env_int("PORTAL_RESEND_QUEUED_AFTER", 120, minimum=1)
PORTAL_RESEND_INTERVAL = env_int("PORTAL_RESEND_INTERVAL", 60, minimum=1)
# Celery beat (`celery -A clrportal beat`, or a worker started with -B) runs the sweep; a sweep message
# not picked up within one interval is dropped (the next one does the same work).
CELERY_BEAT_SCHEDULE = {
    "resend-queued-work": {
        "task": "credentials.tasks.resend_queued_work",
        "schedule": float(PORTAL_RESEND_INTERVAL),
        "options": {"expires": float(PORTAL_RESEND_INTERVAL)},
    },
    "resume-imports": {
        "task": "achievements.tasks.resume_imports",
        "schedule": float(PORTAL_RESEND_INTERVAL),
        "options": {"expires": float(PORTAL_RESEND_INTERVAL)},
    },
    "resend-queued-invitations": {
        "task": "achievements.tasks.resend_queued_invitations",
        "schedule": float(PORTAL_RESEND_INTERVAL),
        "options": {"expires": float(PORTAL_RESEND_INTERVAL)},
    },
    "sweep-supervisor-requests": {
        "task": "experiences.tasks.sweep_supervisor_requests",
        "schedule": float(PORTAL_RESEND_INTERVAL),
        "options": {"expires": float(PORTAL_RESEND_INTERVAL)},
    },
    # Both are cheap and idempotent: the digest goes once a day per advisor, reminders once per deadline.
    "send-advisor-digests": {"task": "experiences.tasks.send_advisor_digests", "schedule": 3600.0},
    "sweep-experience-deadlines": {"task": "experiences.tasks.sweep_deadlines", "schedule": 3600.0},
}
# A worker that renders PDF companions and nothing else: `PORTAL_PDF_WORKER=true python -m clrportal.worker
# -Q pdf`. It loads the models, the renderer and WeasyPrint only: no page, API, signing or sign-in app,
# no URLconf, no other task (bench/pdf_bench.py measures its memory).
PORTAL_PDF_WORKER = env_bool("PORTAL_PDF_WORKER", False)
if PORTAL_PDF_WORKER:
    INSTALLED_APPS = [
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "clrportal",
        "institutions",
        "achievements",
        "credentials",
    ]
    ROOT_URLCONF = "clrportal.no_urls"
    MIDDLEWARE = []
    TEMPLATES = []  # the PDFs have a template engine of their own (credentials.companion)
    # It knows no other task, so it must never take the default queue's (it would drop them).
    if not PORTAL_PDF_QUEUE:
        raise ImproperlyConfigured(
            "PORTAL_PDF_WORKER needs PORTAL_PDF_QUEUE (e.g. pdf), set for every process: the PDF worker "
            "takes that queue only, and the web and the other workers send PDF companions to it."
        )
    CELERY_TASK_DEFAULT_QUEUE = PORTAL_PDF_QUEUE  # what it takes when started without -Q
    CELERY_BEAT_SCHEDULE = {}  # the sweep's tasks are the other workers' (with -B it would send them here)
# How long a learner's invitation to claim their record stays valid.
PORTAL_CLAIM_INVITATION_DAYS = env_int("PORTAL_CLAIM_INVITATION_DAYS", 14, minimum=1)
# An outside supervisor's link to attest an experience: how long it works, and when the one reminder goes.
PORTAL_SUPERVISOR_LINK_DAYS = env_int("PORTAL_SUPERVISOR_LINK_DAYS", 14, minimum=1)
PORTAL_SUPERVISOR_REMINDER_DAYS = env_int("PORTAL_SUPERVISOR_REMINDER_DAYS", 5, minimum=1)
# Evidence a student uploads for an experience: at most this size, of these types (never served inline).
PORTAL_EXPERIENCE_EVIDENCE_MAX_BYTES = env_int(
    "PORTAL_EXPERIENCE_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024, minimum=1
)
PORTAL_EXPERIENCE_EVIDENCE_TYPES = ("application/pdf", "image/png", "image/jpeg", "text/plain")

# Every handler redacts tokens, keys and passwords (clrportal/logging.py). Django's default config gives
# the "django" loggers handlers of their own; here they propagate to ours, and runserver's request log
# keeps its format but is redacted too.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "clrportal.logging.RedactSecretsFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact_secrets"]},
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["redact_secrets"],
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "py.warnings": {"handlers": [], "propagate": True},
        # WeasyPrint logs each step of every render at INFO.
        "weasyprint.progress": {"level": "WARNING"},
    },
}


# === api: OAuth 2.0 and the 1EdTech service API (api/oauth*, api/ims*) ===
# Named so that api.models can point at it (django-oauth-toolkit's models are swappable).
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
# django-oauth-toolkit with the thin layer 1EdTech's OB 3.0 / CLR 2.0 rules need (docs/oauth.md): the
# authorization code grant with PKCE S256 and state required (api/oauth_server.py), refresh tokens rotated
# (a replayed one revokes its family), RFC 7009 revocation, a code used twice refused and its tokens revoked,
# client_secret_basic for registered clients (api/oauth_validators.py); tokens kept only as hashes.
from api.scopes import DESCRIPTIONS as _ONE_EDTECH_SCOPES  # noqa: E402 (plain constants, no Django)

_OAUTH_OFFLINE_ACCESS = "offline_access"  # asked for by 1EdTech's examples; refresh tokens come anyway
OAUTH2_PROVIDER = {
    "SCOPES": {
        **_ONE_EDTECH_SCOPES,
        _OAUTH_OFFLINE_ACCESS: "Keep this access when you are not using the app, until you disconnect it",
    },
    # A registered client asking for no scope gets the scopes it registered (api/oauth_scopes.py).
    "DEFAULT_SCOPES": [],
    "SCOPES_BACKEND_CLASS": "api.oauth_scopes.ClientScopes",
    "OAUTH2_SERVER_CLASS": "api.oauth_server.PortalServer",
    "OAUTH2_VALIDATOR_CLASS": "api.oauth_validators.PortalOAuth2Validator",
    "PKCE_REQUIRED": True,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 600,  # 1EdTech recommends 10 minutes
    "ACCESS_TOKEN_EXPIRE_SECONDS": env_int("PORTAL_OAUTH_ACCESS_TOKEN_SECONDS", 3600, minimum=60),
    "REFRESH_TOKEN_EXPIRE_SECONDS": env_int("PORTAL_OAUTH_REFRESH_TOKEN_SECONDS", 180 * 86400, minimum=3600),
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    # The learner consents each time, unless the client asks approval_prompt=auto for scopes already allowed.
    "REQUEST_APPROVAL_PROMPT": "force",
    # https only; loopback http clients in development are let through by api/oauth_views.py.
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    # RFC 9700: no implicit or password grant, no plain PKCE, no token in a query string, only hashes stored,
    # and the RFC 9207 `iss` (the portal) in the answer to an authorization request.
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "OIDC_ISS_ENDPOINT": PORTAL_BASE_URL,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    # Registration is 1EdTech's own (api/oauth_registration.py: no initial access token, its metadata).
    "DCR_ENABLED": False,
    # Client secrets are random, not chosen by people: a salted SHA-256 of them (api/hashers.py).
    "CLIENT_SECRET_HASHER": "client_secret_sha256",
}
# Django's password hashers (the first hashes people's passwords), and the one for OAuth client secrets.
PASSWORD_HASHERS = [*global_settings.PASSWORD_HASHERS, "api.hashers.ClientSecretHasher"]
# django-oauth-toolkit and oauthlib log codes and refresh tokens at DEBUG; a filter on their loggers redacts
# them.
LOGGING["filters"]["redact_oauth_secrets"] = {"()": "api.oauth_logging.RedactOAuthSecrets"}
# A logger's filters see only its own records, not its children's: each module's logger is named.
_OAUTH_LOGGERS = ["oauth2_provider", "oauth2_provider.middleware", "oauth2_provider.models", "oauthlib"] + [
    f"oauthlib.oauth2.rfc6749.{module}"
    for module in (
        "request_validator",
        *(f"grant_types.{grant}" for grant in ("authorization_code", "base", "client_credentials", "implicit",
                                               "refresh_token", "resource_owner_password_credentials")),
        *(f"endpoints.{endpoint}" for endpoint in ("authorization", "base", "introspect", "metadata",
                                                   "resource", "revocation", "token")),
    )
]  # fmt: skip
LOGGING["loggers"].update({name: {"filters": ["redact_oauth_secrets"]} for name in _OAUTH_LOGGERS})
# Development only (clrportal/settings/dev.py): registered clients may use http://127.0.0.1 / localhost URLs.
PORTAL_OAUTH_ALLOW_LOOPBACK_HTTP = False
# The largest registration request read; a used authorization code is remembered this long (seconds) so that
# a second use revokes the tokens issued from it.
PORTAL_OAUTH_REGISTRATION_MAX_BYTES = 16 * 1024
PORTAL_OAUTH_USED_CODE_MEMORY = 7 * 86400
# Requests per client address and period on the unauthenticated OAuth endpoints (counted in the shared cache;
# periods second, minute, hour, day). "token" counts the token and the revocation endpoints together.
PORTAL_OAUTH_RATES = {
    "discovery": env_str("PORTAL_OAUTH_DISCOVERY_RATE", "300/minute"),
    "registration": env_str("PORTAL_OAUTH_REGISTRATION_RATE", "60/hour"),
    "authorize": env_str("PORTAL_OAUTH_AUTHORIZE_RATE", "120/minute"),
    "token": env_str("PORTAL_OAUTH_TOKEN_RATE", "300/minute"),
}
for _scope, _rate in PORTAL_OAUTH_RATES.items():
    if not re.fullmatch(r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)", _rate):
        raise ImproperlyConfigured(
            f"The OAuth {_scope} rate must look like 300/minute (a number, then second, minute, hour or "
            f"day); it is {_rate!r}."
        )
# The service's name in the discovery documents (info.title, x-imssf-name).
PORTAL_SERVICE_NAME = env_str("PORTAL_SERVICE_NAME", "CLR Portal")
# The operator's terms of service and privacy policy, named by the discovery documents (info.termsOfService,
# x-imssf-privacyPolicyUrl) for clients to show; the portal's home page until they are set.
PORTAL_TERMS_OF_SERVICE_URL = env_url("PORTAL_TERMS_OF_SERVICE_URL", "") or PORTAL_BASE_URL + "/"
PORTAL_PRIVACY_POLICY_URL = env_url("PORTAL_PRIVACY_POLICY_URL", "") or PORTAL_BASE_URL + "/"


# === api: the portal's REST API for institution systems (api/portal*) ===
# Its OpenAPI description (the schema at /api/schema/ covers it and the public verify API); the docs page
# /api/docs/ is Swagger UI from drf-spectacular-sidecar's bundled files: nothing from a CDN.
SPECTACULAR_SETTINGS.update(
    {
        "DESCRIPTION": (
            "The portal's REST API for institution systems (SIS, LMS, scripts), under /api/v1/: the "
            "catalog, learners, awards, SIS imports, issuing and bulk jobs, revocation and suspension, "
            "signing keys. Authenticate with `Authorization: Bearer <token>`: an API token, or the access "
            "token of an OAuth client (client credentials grant), both made by an administrator on the "
            "institution's API access page, for one institution and one role. Each role may do what its "
            "pages allow; objects of another institution are 404. Errors are "
            '`{"message": ..., "extra": {...}}`. Anyone may POST a credential to /api/v1/verify to '
            "verify it, without a token."
        ),
        "SWAGGER_UI_DIST": "SIDECAR",
        "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
        "REDOC_DIST": "SIDECAR",
        "SWAGGER_UI_SETTINGS": {"persistAuthorization": False, "tryItOutEnabled": False},
        # Several fields are called `status` or `state`: each choice set gets a name of its own.
        "ENUM_NAME_OVERRIDES": {
            "ImportStatusEnum": "achievements.models.ImportStatus",
            "KeyStatusEnum": "institutions.models.KeyStatus",
            "ResultStatusEnum": "achievements.models.RESULT_STATUS_CHOICES",
            "CredentialStateEnum": "credentials.models.CredentialState",
            "JobStateEnum": "credentials.models.IssuanceJob.State",
            "CheckStatusEnum": ["passed", "failed", "could_not_check"],
        },
    }
)


# === delivery: claim offers, VC-API exchanges, OID4VCI 1.0 (delivery/) ===
# How long a claim offer (its QR code and link) can be used, and how long a claim waits for the worker
# that signs the holder's copies before it answers.
DELIVERY_OFFER_LIFETIME_HOURS = env_int("PORTAL_DELIVERY_OFFER_HOURS", 24, minimum=1)
DELIVERY_SIGNING_WAIT_SECONDS = env_int("PORTAL_DELIVERY_SIGNING_WAIT", 30, minimum=1)
# The CHAPI mediator a browser wallet is reached through (the polyfill itself is a bundled static file);
# empty: no browser-wallet button on offer pages.
DELIVERY_CHAPI_MEDIATOR_ORIGIN = env_str("PORTAL_CHAPI_MEDIATOR_ORIGIN", "https://authn.io").rstrip("/")
if DELIVERY_CHAPI_MEDIATOR_ORIGIN and not re.fullmatch(
    r"https://[A-Za-z0-9.-]+(:\d+)?", DELIVERY_CHAPI_MEDIATOR_ORIGIN
):
    raise ImproperlyConfigured("PORTAL_CHAPI_MEDIATOR_ORIGIN must be an https origin, e.g. https://authn.io.")
