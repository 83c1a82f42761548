"""No log line carries a token, key or password: every handler redacts them, development mail included."""

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from clrportal.logging import RedactSecretsFilter, redact

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ("Reset: https://records.example.edu/accounts/password/reset/key/4-cq3x0z-9f3c2e5a8b7d/", "4-cq3x0z-9f3c2e5a8b7d"),
        ('"GET /accounts/confirm-email/MQ:1tPq9z:a8Fh3kLmN0pQrS/ HTTP/1.1" 200 1234', "MQ:1tPq9z:a8Fh3kLmN0pQrS"),
        ("Not Found: /s/Zk3dX9qL0wEr7tYu1iOp", "Zk3dX9qL0wEr7tYu1iOp"),
        ("GET /s/Zk3dX9qL0wEr7tYu1iOp/clr/5b0c.json", "Zk3dX9qL0wEr7tYu1iOp"),
        ("login failed for x@example.edu password=hunter2-but-longer", "hunter2-but-longer"),
        ("form data {'login': 'x@example.edu', 'password': 'hunter2-but-longer'}", "hunter2-but-longer"),
        ("broker redis://:s3cr3t-redis@cache.internal:6379/0 is down", "s3cr3t-redis"),
        ("smtp+tls://portal:mail-password@smtp.example.edu:587", "mail-password"),
        ("request headers Authorization: Bearer eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln", "eyJhbGciOiJFZERTQSJ9"),
        ("headers {'Authorization': 'Basic cG9ydGFsOm1haWwtcGFzc3dvcmQ='}", "cG9ydGFsOm1haWwtcGFzc3dvcmQ="),
        ("Cookie: sessionid=k2l3m4n5o6p7q8r9s0t1; csrftoken=AbCdEf0123456789", "k2l3m4n5o6p7q8r9s0t1"),
        ("Cookie: sessionid=k2l3m4n5o6p7q8r9s0t1; csrftoken=AbCdEf0123456789", "AbCdEf0123456789"),
        ("key -----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ0dQ2\n-----END PRIVATE KEY----- loaded", "MC4CAQAwBQYDK2VwBCIEIJ0dQ2"),
        ("secretKeyMultibase z3u2en7t5LR2WtQH5PfsRPb9TKyT3RC1JfwnhwdqYkfUu6zD", "z3u2en7t5LR2WtQH5PfsRPb9TKyT3RC1JfwnhwdqYkfUu6zD"),
        ('jwk {"kty": "OKP", "crv": "Ed25519", "x": "11qYAYKxCrfVS", "d": "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}', "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"),
    ],
)  # fmt: skip
def test_it_redacts_each_kind_of_secret(line, secret):
    redacted = redact(line)
    assert secret not in redacted
    assert "[redacted]" in redacted
    assert redact(redacted) == redacted  # a record that passes two handlers is redacted once


def test_it_keeps_what_is_needed_to_read_the_line():
    line = redact(
        '"GET /accounts/password/reset/key/4-cq3x0z-9f3c2e5a8b7d/ HTTP/1.1" 200 for person3@example.edu'
    )
    assert line == '"GET /accounts/password/reset/key/[redacted]/ HTTP/1.1" 200 for person3@example.edu'
    assert redact("basic checks passed; token check next") == "basic checks passed; token check next"
    harmless = (
        "Issued credential 5b0c1e2f for award 12 with key ed25519-20261201-ab12cd34 at /credentials/5b0c"
    )
    assert redact(harmless) == harmless


def test_the_filter_redacts_arguments_and_tracebacks():
    record = logging.LogRecord(
        "x", logging.ERROR, __file__, 1, "reset link %s", ("/accounts/password/reset/key/4-abc/",), None
    )
    try:
        raise ValueError("password=hunter2-but-longer")
    except ValueError:
        record.exc_info = sys.exc_info()
    assert RedactSecretsFilter().filter(record) is True
    formatted = logging.Formatter().format(record)
    assert "4-abc" not in formatted
    assert "hunter2-but-longer" not in formatted
    assert "ValueError" in formatted


def test_every_log_handler_redacts_secrets():
    loggers = [logging.getLogger()] + [
        logger for logger in logging.Logger.manager.loggerDict.values() if isinstance(logger, logging.Logger)
    ]
    handlers = {
        handler
        for logger in loggers
        for handler in logger.handlers
        # pytest's own capture, and libraries' handlers that write nothing
        if not type(handler).__module__.startswith("_pytest") and not isinstance(handler, logging.NullHandler)
    }
    assert handlers  # the console handler, runserver's request log, ...
    for handler in handlers:
        assert any(isinstance(f, RedactSecretsFilter) for f in handler.filters), handler


CELERY_WORKER_LOGGING = """
import logging
from clrportal.celery import app
from clrportal.logging import RedactSecretsFilter
import django
django.setup()  # as the worker does on worker_init, before it sets up logging
app.log.setup_logging_subsystem(loglevel="INFO")
handlers = set(logging.getLogger().handlers) | set(logging.getLogger("celery.task").handlers)
assert handlers
print(all(any(isinstance(f, RedactSecretsFilter) for f in h.filters) for h in handlers))
logging.getLogger("credentials.tasks").warning("share /s/Zk3dX9qL0wEr7tYu1iOpAsDf failed")
"""


def test_a_celery_worker_keeps_the_redaction_on_the_handlers_it_installs():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["DJANGO_SETTINGS_MODULE"] = "clrportal.settings.test"
    result = subprocess.run(
        [sys.executable, "-c", CELERY_WORKER_LOGGING], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "True"
    assert "/s/[redacted] failed" in result.stderr
    assert "Zk3dX9qL0wEr7tYu1iOpAsDf" not in result.stderr


DEVELOPMENT_RESET = """
import re
from django.core import mail
from django.core.management import call_command
from django.test import Client
from institutions.models import User

call_command("migrate", verbosity=0)
User.objects.create_user("forgetful@example.edu", "an-old-passphrase-31")
client = Client(HTTP_HOST="127.0.0.1")
assert client.post("/accounts/password/reset/", {"email": "forgetful@example.edu"}).status_code == 302
client.get("/s/Zk3dX9qL0wEr7tYu1iOpAsDf")  # an unknown share token: Django logs "Not Found: <path>"
print("done")
"""


def test_a_password_reset_mail_in_development_reaches_the_log_without_its_key(tmp_path):
    unset = {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL", "EMAIL_BACKEND", "EMAIL_URL", "LOG_LEVEL"}
    env = {k: v for k, v in os.environ.items() if k not in unset and not k.endswith("_FILE")}
    env.update(DJANGO_SETTINGS_MODULE="clrportal.settings.dev", PORTAL_VAR_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", DEVELOPMENT_RESET],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert "forgetful@example.edu" in output  # the mail is logged ...
    assert "/accounts/password/reset/key/[redacted]/" in output  # ... with its link redacted
    assert "Zk3dX9qL0wEr7tYu1iOpAsDf" not in output
    assert "Not Found: /s/[redacted]" in output

    # The whole message is kept in a file under var/, so a developer can still follow the link.
    saved = list((tmp_path / "mail").glob("*.eml"))
    assert len(saved) == 1
    key = saved[0].read_text().split("/accounts/password/reset/key/", 1)[1].split("/", 1)[0]
    assert len(key) > 10
    assert key not in output
    assert str(saved[0].relative_to(tmp_path)) in output
