"""Development: zero configuration (SQLite, file broker, console email)."""

from .base import *  # noqa: F403
from .base import KEY_ENCRYPTION_KEY, SECRET_KEY, VAR_DIR

DEBUG = True
SECRET_KEY = SECRET_KEY or "dev-only-secret-key-not-for-production-use-0123456789abcdef"
# Development only: a fixed secret so the demo keys survive restarts. Production must set its own.
KEY_ENCRYPTION_KEY = KEY_ENCRYPTION_KEY or "dev-only-key-encryption-key-not-for-production-0123456789"
VAR_DIR.mkdir(parents=True, exist_ok=True)
# Serve static files straight from the source folders, no collectstatic needed.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# --- api: OAuth. PORTAL_OAUTH_ALLOW_LOOPBACK_HTTP=1 lets a client on this machine register http://127.0.0.1 /
# localhost URLs; only development reads it (base.py keeps it off, production never turns it on).
from .env import env_bool as _env_bool  # noqa: E402

PORTAL_OAUTH_ALLOW_LOOPBACK_HTTP = _env_bool("PORTAL_OAUTH_ALLOW_LOOPBACK_HTTP", False)
