"""The PDF worker (`PORTAL_PDF_WORKER=true python -m clrportal.worker`) loads the models, the renderer and
WeasyPrint, and none of the pages, APIs, signing or sign-in code: that is what keeps a process of it
under 120 MB (bench/pdf_bench.py). Checked in a fresh interpreter, as the worker starts."""

import json
import os
import subprocess
import sys

from tests.processes import ROOT

# What `celery worker` does before it takes a task: set Django up, import the task modules, run the checks.
STARTS_LIKE_A_WORKER = """
import json, sys
import django
django.setup()
from django.core.checks import run_checks
import clrportal.worker
from clrportal.celery import app
app.loader.import_default_modules()
errors = [str(message) for message in run_checks() if message.is_serious()]
import credentials.companion
print(json.dumps({"modules": sorted(sys.modules), "tasks": sorted(app.tasks), "errors": errors,
                  "queue": app.conf.task_default_queue, "beat": sorted(app.conf.beat_schedule)}))
"""

NOT_IN_A_PDF_WORKER = (
    "allauth", "rest_framework", "drf_spectacular", "oauth2_provider", "django.contrib.admin",
    "pyld", "jsonschema_rs", "prompt_toolkit", "clrportal.urls", "credentials.services",
    "credentials.signing", "credentials.views", "institutions.services", "wallet", "experiences", "delivery",
)  # fmt: skip


def _run(tmp_path, **env) -> subprocess.CompletedProcess:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("PORTAL_", "CELERY_"))
    }
    environment |= {
        "DJANGO_SETTINGS_MODULE": "clrportal.settings.test",
        "PORTAL_VAR_DIR": str(tmp_path),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", STARTS_LIKE_A_WORKER],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )


def _worker_start(tmp_path, **env) -> dict:
    result = _run(tmp_path, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def _loaded(modules: list[str], names) -> list[str]:
    return sorted(
        {name for name in names for module in modules if module == name or module.startswith(name + ".")}
    )


def test_the_pdf_worker_knows_the_render_task_only_and_loads_nothing_of_the_pages_or_signing(tmp_path):
    started = _worker_start(tmp_path, PORTAL_PDF_WORKER="true", PORTAL_PDF_QUEUE="pdf")

    assert started["errors"] == []
    assert "credentials.tasks.render_companion_pdf" in started["tasks"]
    assert not [
        name for name in started["tasks"] if name.startswith(("credentials.tasks.sign", "achievements."))
    ]
    assert "weasyprint" in started["modules"]
    assert _loaded(started["modules"], NOT_IN_A_PDF_WORKER) == []
    assert started["queue"] == "pdf"  # started without -Q, it takes the PDF queue, never the default one
    assert started["beat"] == []  # with -B it sends no sweep: those tasks are the other workers'


def test_a_pdf_worker_without_its_queue_refuses_to_start_and_says_why(tmp_path):
    result = _run(tmp_path, PORTAL_PDF_WORKER="true")

    assert result.returncode != 0
    assert "PORTAL_PDF_WORKER needs PORTAL_PDF_QUEUE" in result.stderr


def test_a_full_worker_knows_every_task_the_render_included(tmp_path):
    started = _worker_start(tmp_path)

    assert started["errors"] == []
    for task in ("credentials.tasks.render_companion_pdf", "credentials.tasks.sign_clr",
                 "credentials.tasks.resend_queued_work", "achievements.tasks.resend_queued_invitations"):  # fmt: skip
        assert task in started["tasks"]
    assert "prompt_toolkit" not in started["modules"]  # python -m clrportal.worker, not Celery's command line
    assert "credentials.services" in started["modules"]  # the check is not blind: a full worker loads it
