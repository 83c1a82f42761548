"""Logging that never carries a secret.

- `RedactSecretsFilter`, installed on every handler in `settings.LOGGING` (and on the handlers a Celery
  worker sets up), rewrites each record with `redact`: the keys of password-reset and
  email-confirmation links, share-link tokens, the tokens of single-use links (claim, staff invitation,
  supervisor), passwords, cookies, bearer tokens, credentials in URLs and private keys (PEM, multibase,
  JWK) become `[redacted]`, in the message, its arguments and its traceback.
- `DevelopmentEmailBackend`, development's default email backend: each message is saved whole under
  `$PORTAL_VAR_DIR/mail/` and shown in the log, so redacted. Production refuses it (and the console
  backend) and needs `EMAIL_URL`.

Redaction is defence in depth: code must still never log secrets in the first place.
"""

import logging
import re
import secrets
from pathlib import Path

from celery import signals
from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

REDACTED = "[redacted]"

# Names whose value is a secret wherever it appears as `name=value`, `name: value` or `'name': 'value'`.
_SECRET_NAMES = (
    r"[a-z_]*password|passwd|passphrase|[a-z_.]*secret[a-z_]*|[a-z_]*token|sessionid|api[_-]?key"
    r"|private[_-]?key|[a-z]*KeyMultibase|key_encryption_key"
    r"|pin|tx_code|pre-authorized_code|c_nonce"
)
_PATTERNS: list[tuple[re.Pattern, str]] = [
    # allauth's links: /accounts/password/reset/key/<uidb36>-<key>/ and /accounts/confirm-email/<key>/
    (re.compile(r"(/password/reset/key/)[^\s/?#\"'<>]+"), rf"\g<1>{REDACTED}"),
    (re.compile(r"(/confirm-email/)[^\s/?#\"'<>]+"), rf"\g<1>{REDACTED}"),
    # share links: /s/<token> and everything under it
    (re.compile(r"(/s/)[^\s/?#\"'<>]+"), rf"\g<1>{REDACTED}"),
    # Single-use links: a learner's invitation to claim their record, a staff member's to join, an
    # outside supervisor's to attest an experience, a claim offer's into a wallet (delivery/).
    (re.compile(r"(/claim/|/invitations/|/supervisors/|/interactions/)[^\s/?#\"'<>]+"), rf"\g<1>{REDACTED}"),
    (
        re.compile(
            r"-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY-----.*?(?:-----END \1PRIVATE KEY-----|\Z)",
            re.S,
        ),
        rf"-----BEGIN \g<1>PRIVATE KEY----- {REDACTED} -----END \g<1>PRIVATE KEY-----",
    ),
    # Ed25519 private Multikey (multicodec 0x1300, base58btc): always starts with z3u2
    (re.compile(r"\bz3u2[1-9A-HJ-NP-Za-km-z]{30,}"), REDACTED),
    # allauth's mail context, as Django's template logger prints it at DEBUG: {'key': '…', 'code': '…'}
    (
        re.compile(r"(['\"](?:key|code|uid|uidb36|activate_url|password_reset_url)['\"]\s*:\s*['\"])[^'\"]+"),
        rf"\g<1>{REDACTED}",
    ),
    # private members of a JWK
    (re.compile(r"(\"(?:d|p|q|dp|dq|qi|k)\"\s*:\s*\")[^\"]+"), rf"\g<1>{REDACTED}"),
    # user:password@ in any URL (database, broker, SMTP)
    (re.compile(r"(\b[a-z][a-z0-9+.\-]*://[^\s:/@]*:)[^\s@/]+(@)", re.I), rf"\g<1>{REDACTED}\g<2>"),
    (re.compile(r"(\bbearer\s+)[A-Za-z0-9\-._~+/]+=*", re.I), rf"\g<1>{REDACTED}"),
    (
        re.compile(
            r"(authorization[\"']?\s*[:=]\s*[\"']?(?:(?:basic|digest|token|bearer)\s+)?)"
            r"(?!\[redacted\]|bearer\b|basic\b)[^\s\"',;]+",
            re.I,
        ),
        rf"\g<1>{REDACTED}",
    ),
    (
        re.compile(
            rf"(?<![a-z0-9])((?:{_SECRET_NAMES})[\"']?\s*[:=]\s*[\"']?)(?!\[redacted\])[^\s\"'&,;)}}\]]+",
            re.I,
        ),
        rf"\g<1>{REDACTED}",
    ),
]


def redact(text: str) -> str:
    """`text` with every secret it recognisably carries replaced by [redacted]."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecretsFilter(logging.Filter):
    """Redacts the record in place (message with its arguments, traceback, stack); never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what there is, redacted
            message = f"{record.msg} {record.args!r}"
        record.msg = redact(message)
        record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def install_filter(handler: logging.Handler) -> None:
    if not any(isinstance(existing, RedactSecretsFilter) for existing in handler.filters):
        handler.addFilter(RedactSecretsFilter())


# A Celery worker replaces the root logger's handlers with its own after Django has configured logging
# (this module is imported then, through LOGGING); give those handlers the filter too.
@signals.after_setup_logger.connect(weak=False)
@signals.after_setup_task_logger.connect(weak=False)
def _redact_celery_handlers(logger=None, **kwargs) -> None:
    for handler in getattr(logger, "handlers", []):
        install_filter(handler)


mail_logger = logging.getLogger("clrportal.mail")


class DevelopmentEmailBackend(BaseEmailBackend):
    """Development mail: kept whole in $PORTAL_VAR_DIR/mail/*.eml, and logged (so its links are redacted)."""

    def send_messages(self, email_messages) -> int:
        folder = Path(settings.VAR_DIR) / "mail"
        sent = 0
        for message in email_messages:
            try:
                folder.mkdir(parents=True, exist_ok=True)
                path = folder / f"{timezone.now():%Y%m%d-%H%M%S}-{secrets.token_hex(4)}.eml"
                path.write_bytes(message.message().as_bytes(linesep="\n"))
            except OSError:
                if not self.fail_silently:
                    raise
                continue
            mail_logger.info(
                "Email to %s: %r (the whole message, links included, is in %s)\n%s",
                ", ".join(message.recipients()),
                message.subject,
                path,
                message.body,
            )
            sent += 1
        return sent
