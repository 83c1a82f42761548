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
}


def manage(*args, env):
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV and not k.endswith("_FILE")}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True
    )


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "PORTAL_BASE_URL", "KEY_ENCRYPTION_KEY"]
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
