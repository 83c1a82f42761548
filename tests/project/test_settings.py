"""Settings come from the environment; production refuses to start without what has no safe default."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "clrportal.settings.production",
    "SECRET_KEY": "q7-Vd0s1ZkP3xW9mN2bR8tY4uL6cJ0aHfE5gT1iO3pQ7wS9eD2rK4vB6nM8zX0yC",
    "DATABASE_URL": "sqlite:////tmp/clrportal-check.sqlite3",
    "ALLOWED_HOSTS": "records.example.edu",
    "PORTAL_BASE_URL": "https://records.example.edu",
    "KEY_ENCRYPTION_KEY": "k" * 40,
    "EMAIL_URL": "smtp+tls://portal:mail-password@smtp.example.edu:587",
}
# Set in a developer's shell, these would change what the production settings decide.
UNSET = {"EMAIL_BACKEND", "PORTAL_ADMIN_ENABLED", "DEBUG"}


def manage(*args, env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in PRODUCTION_ENV and k not in UNSET and not k.endswith("_FILE")
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True
    )


@pytest.mark.parametrize(
    "missing",
    ["SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "PORTAL_BASE_URL", "KEY_ENCRYPTION_KEY", "EMAIL_URL"],
)
def test_production_refuses_to_start_without_a_required_setting(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "Production settings need these environment variables" in result.stderr
    assert missing in result.stderr


def test_check_deploy_passes_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_a_secret_can_come_from_a_file(tmp_path):
    secret_file = tmp_path / "kek"
    secret_file.write_text("f" * 40 + "\n")
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "KEY_ENCRYPTION_KEY"}
    env["KEY_ENCRYPTION_KEY_FILE"] = str(secret_file)
    result = manage(
        "shell", "-c", "from django.conf import settings; print(settings.KEY_ENCRYPTION_KEY)", env=env
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "f" * 40


def test_a_bad_boolean_fails_loudly_with_its_name():
    result = manage("check", env={**PRODUCTION_ENV, "SECURE_SSL_REDIRECT": "perhaps"})
    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT='perhaps' is not a boolean" in result.stderr


def test_a_bad_url_fails_loudly_with_its_name():
    result = manage("check", env={**PRODUCTION_ENV, "PORTAL_BASE_URL": "records.example.edu"})
    assert result.returncode != 0
    assert "PORTAL_BASE_URL='records.example.edu' is not an http(s) URL" in result.stderr


def test_production_refuses_to_start_without_an_email_server_because_console_mail_would_log_reset_links():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "EMAIL_URL"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "Production settings need these environment variables (or NAME_FILE): EMAIL_URL" in result.stderr
    assert "password-reset" in result.stderr


@pytest.mark.parametrize(
    "backend",
    [
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.filebased.EmailBackend",
        "clrportal.logging.DevelopmentEmailBackend",
    ],
)
def test_production_refuses_an_email_backend_that_keeps_mail_on_the_server(backend):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "EMAIL_URL"}
    result = manage("check", env={**env, "EMAIL_BACKEND": backend})
    assert result.returncode != 0
    assert "EMAIL_URL" in result.stderr


def test_production_accepts_an_explicit_backend_that_delivers_mail_instead_of_an_email_url():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "EMAIL_URL"}
    env["EMAIL_BACKEND"] = "django.core.mail.backends.smtp.EmailBackend"
    result = manage("shell", "-c", "from django.conf import settings; print(settings.EMAIL_BACKEND)", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "django.core.mail.backends.smtp.EmailBackend"


def test_the_email_url_sets_the_smtp_server_and_its_credentials():
    code = (
        "from django.conf import settings as s; "
        "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_HOST_PASSWORD, s.EMAIL_USE_TLS)"
    )
    env = {**PRODUCTION_ENV, "EMAIL_URL": "smtp+tls://portal%40example.edu:p%2Fss@smtp.example.edu:2525"}
    result = manage("shell", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        "django.core.mail.backends.smtp.EmailBackend smtp.example.edu 2525 portal@example.edu p/ss True"
    )


def test_an_email_url_without_a_host_fails_loudly_with_its_name():
    result = manage("check", env={**PRODUCTION_ENV, "EMAIL_URL": "smtp://"})
    assert result.returncode != 0
    assert "EMAIL_URL" in result.stderr
    assert "smtp://user:password@host:port" in result.stderr


# The error pages link the stylesheet; without collectstatic the manifest storage could not name it.
ADMIN_STATUS = """
from django.conf import settings
from django.test import Client, override_settings
plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
with override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}):
    print(Client().get("/admin/", HTTP_HOST="records.example.edu", secure=True).status_code)
"""


def test_production_does_not_serve_the_django_admin_unless_it_is_enabled():
    result = manage("shell", "-c", ADMIN_STATUS, env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "404"


def test_production_serves_the_django_admin_when_portal_admin_enabled_is_set():
    result = manage("shell", "-c", ADMIN_STATUS, env={**PRODUCTION_ENV, "PORTAL_ADMIN_ENABLED": "true"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "302"  # to the login
