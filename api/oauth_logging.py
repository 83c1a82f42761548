"""Keeping authorization codes and refresh tokens out of django-oauth-toolkit's and oauthlib's DEBUG lines.

Both libraries log what they do at DEBUG; two of their lines carry a secret in a form the portal's
redaction (clrportal.logging.redact) does not know: the client's redirect with `?code=…` ("Success url for
the request") and "Validating refresh token … for client". `RedactOAuthSecrets` is a filter on those
libraries' loggers (settings.LOGGING, the OAuth section, names each), so the record is clean before any
handler, or a test's capture, sees it; it then applies the portal's redaction too.
"""

import logging
import re

from clrportal.logging import REDACTED, redact

_PATTERNS = (
    (re.compile(r"([?&#;]code=)[^&#\s]+"), rf"\g<1>{REDACTED}"),
    (re.compile(r"(\b(?:refresh|access) token )(?!\[redacted\])\S+", re.I), rf"\g<1>{REDACTED}"),
)


def redact_oauth(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return redact(text)


class RedactOAuthSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what there is, redacted
            message = f"{record.msg} {record.args!r}"
        record.msg = redact_oauth(message)
        record.args = ()
        return True
