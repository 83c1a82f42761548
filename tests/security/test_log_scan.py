"""The log scan: what the portal logs while handling secrets never contains one.

Each flow runs with every logger at DEBUG. What is scanned: the lines the portal's own log handlers
write (settings.LOGGING's stream handlers, pointed at a buffer: what production would print), pytest's
capture of the records (caplog), and stdout/stderr (where the console email backend and management
commands write). The secrets come from where they really are: the outbox, the database, the keys.

SQL statements are not part of the scan: Django logs them only with settings.DEBUG, never in production.
"""

import io
import logging
import re
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from clrportal.settings import base as base_settings
from institutions import services as institution_services
from institutions.models import User
from tests.factories import PASSWORD
from wallet import services as wallet_services
from wallet.models import ShareLink

from .key_material import private_key_material

RESET_LINK = re.compile(r"/accounts/password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>[^/\s]+)/")
REDACTED = "[redacted]"  # what the portal's log filter writes in place of a secret
CONFIRM_LINK = re.compile(r"/accounts/confirm-email/(?P<key>[^/\s]+)/")


class CapturedLogs:
    def __init__(self, caplog, capsys, buffers):
        self.caplog, self.capsys, self.buffers = caplog, capsys, buffers
        self.output = ""

    def text(self) -> str:
        captured = self.capsys.readouterr()
        self.output += captured.out + captured.err
        return "\n".join([self.caplog.text, *(buffer.getvalue() for buffer in self.buffers), self.output])

    def assert_free_of(self, secrets: dict[str, str]) -> str:
        assert all(len(value) >= 8 for value in secrets.values()), secrets.keys()
        text = self.text()
        found = [name for name, value in secrets.items() if value in text]
        assert not found, f"found in the logs: {found}"
        return text


def _portal_handlers(loggers) -> list[logging.StreamHandler]:
    return [
        handler
        for logger in loggers
        for handler in logger.handlers
        if isinstance(handler, logging.StreamHandler) and not type(handler).__module__.startswith("_pytest")
    ]


def _capture(caplog, capsys, *, every_logger: bool):
    caplog.set_level(logging.DEBUG)  # the root logger, as LOG_LEVEL=DEBUG sets it
    loggers = [logging.getLogger()] + [
        logger for logger in logging.Logger.manager.loggerDict.values() if isinstance(logger, logging.Logger)
    ]
    levels = {logger: logger.level for logger in loggers}
    if every_logger:
        for logger in loggers:
            logger.setLevel(logging.DEBUG)
    handlers = _portal_handlers(loggers)
    assert handlers, "settings.LOGGING configured no stream handler to scan"
    buffers = [io.StringIO() for _ in handlers]
    streams = [handler.setStream(buffer) for handler, buffer in zip(handlers, buffers, strict=True)]
    yield CapturedLogs(caplog, capsys, buffers)
    for handler, stream in zip(handlers, streams, strict=True):
        handler.setStream(stream)
    for logger, level in levels.items():
        logger.setLevel(level)


@pytest.fixture
def logs(caplog, capsys):
    """Every logger at DEBUG, and everything they and the process print captured."""
    yield from _capture(caplog, capsys, every_logger=True)


@pytest.fixture
def configured_debug_logs(caplog, capsys):
    """LOG_LEVEL=DEBUG: the root logger at DEBUG, the others at the levels settings.LOGGING gives them."""
    yield from _capture(caplog, capsys, every_logger=False)


# Every logger at DEBUG (the brief of the scan) and LOG_LEVEL=DEBUG as settings.LOGGING configures it.
CAPTURES = [
    pytest.param("logs", id="every-logger-at-debug"),
    pytest.param("configured_debug_logs", id="log-level-debug"),
]


@pytest.mark.parametrize("capture", CAPTURES)
def test_a_password_reset_logs_neither_the_reset_key_nor_the_new_password(
    client, db, world, request, capture
):
    logs = request.getfixturevalue(capture)
    user = User.objects.get(pk=world.a.students[0].pk)  # a copy: the world's own objects stay as built
    new_password = "Brand-new-Pass-phrase-8431"

    assert client.post(reverse("account_reset_password"), {"email": user.email}).status_code == 302
    link = RESET_LINK.search(mail.outbox[-1].body)
    assert link, mail.outbox[-1].body
    set_password_page = client.get(link.group(0))
    assert set_password_page.status_code == 302
    response = client.post(
        set_password_page["Location"], {"password1": new_password, "password2": new_password}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new_password)

    logs.assert_free_of(
        {"reset key": link.group("key"), "reset link": link.group(0), "new password": new_password}
    )


@pytest.mark.parametrize("capture", CAPTURES)
def test_an_email_confirmation_logs_neither_the_confirmation_key_nor_the_password(
    client, db, request, capture
):
    logs = request.getfixturevalue(capture)
    password = "Sign-up-Pass-phrase-2291"
    response = client.post(
        reverse("account_signup"),
        {"email": "new.learner@example.edu", "password1": password, "password2": password},
    )
    assert response.status_code == 302
    link = CONFIRM_LINK.search(mail.outbox[-1].body)
    assert link, mail.outbox[-1].body

    assert client.post(link.group(0)).status_code == 302
    assert EmailAddress.objects.get(email="new.learner@example.edu").verified

    logs.assert_free_of({"confirmation key": link.group("key"), "password": password})


def test_a_login_with_a_wrong_password_and_then_the_right_one_logs_neither(client, db, world, logs):
    email = world.a.students[0].email
    wrong = "Not-the-Right-Pass-7720"

    refused = client.post(reverse("account_login"), {"login": email, "password": wrong})
    assert refused.status_code == 200
    assert "not correct" in refused.content.decode()
    assert client.post(reverse("account_login"), {"login": email, "password": PASSWORD}).status_code == 302

    logs.assert_free_of({"wrong password": wrong, "password": PASSWORD})


def test_a_key_rotation_by_command_and_by_service_logs_no_private_key_material(db, world, logs):
    institution = world.a.institution
    before = set(institution.signing_keys.values_list("pk", flat=True))
    output = io.StringIO()

    call_command("institution_keys", "--institution", institution.slug, "rotate", stdout=output)
    institution_services.signing_keys_rotate(institution=institution, actor=world.a.admin)

    new_keys = list(institution.signing_keys.exclude(pk__in=before))
    assert sorted(key.algorithm for key in new_keys) == ["Ed25519", "Ed25519", "RSA", "RSA"]
    assert "new active key" in output.getvalue()
    secrets = {name: value for key in new_keys for name, value in private_key_material(key).items()}
    logs.assert_free_of(secrets)
    command_output = output.getvalue()
    assert not [name for name, value in secrets.items() if value in command_output]


def test_a_share_link_token_is_not_logged_when_it_is_made_opened_revoked_and_opened_again(
    client, db, world, logs, django_capture_on_commit_callbacks
):
    owner, credential = world.a.students[0], world.a.credentials[0]
    client.force_login(owner)

    with django_capture_on_commit_callbacks(execute=True):
        made = client.post(
            reverse("wallet:share_new"),
            {"credentials": [str(credential.id)], "label": "For the log scan", "show_grades": "on"},
        )
    assert made.status_code == 302, made.content.decode()[:2000]
    share = ShareLink.objects.get(owner=owner, label="For the log scan")
    token = wallet_services.share_link_token(share=share)
    public = reverse("wallet:share_public", kwargs={"token": token})
    assert client.get(public).status_code == 200
    revoke = reverse("wallet:share_revoke", kwargs={"share_id": share.id})
    assert client.post(revoke, {"confirm": "yes"}).status_code == 302
    # A revoked link answers 410, which Django logs with the path, the token in it.
    assert client.get(public).status_code == 410

    text = logs.assert_free_of({"share token": token, "share token hash": share.token_hash})
    assert "Gone: /s/" in text, "the 410 of the revoked link was not among the lines scanned"


@pytest.mark.parametrize("capture", CAPTURES)
def test_a_password_reset_mailed_as_in_development_keeps_the_key_out_of_the_log(
    client, db, world, tmp_path, request, capture
):
    """With the portal's default email backend (not the tests' in-memory one), mail reaches the log."""
    logs = request.getfixturevalue(capture)
    user = world.a.students[1]
    with override_settings(EMAIL_BACKEND=base_settings.EMAIL_BACKEND, VAR_DIR=tmp_path):
        assert client.post(reverse("account_reset_password"), {"email": user.email}).status_code == 302

    # The key as mailed: from the saved message, or from what the console backend printed.
    saved = "".join(path.read_text() for path in Path(tmp_path).rglob("*.eml"))
    keys = [key for _uidb36, key in RESET_LINK.findall(saved + logs.text()) if key != REDACTED]
    assert keys, "the reset mail was neither saved nor printed"
    logs.assert_free_of({"reset key": keys[0]})
