"""Browser tests: the real portal (web server + Celery worker) on a fresh SQLite database, and Chromium.

Once per test session: a temporary folder gets its own SQLite database and file broker; the demo
data is loaded (`seed_demo`), a Celery worker and `runserver` start, and the demo student's
credentials are issued through that worker. Playwright drives Debian's Chromium
(/usr/bin/chromium, never a downloaded browser). Both processes are stopped at the end, whatever
happened. Where Chromium or axe-core is missing the tests skip locally, and fail under CI=true.

Fixtures: `portal` (its URL and files), `browser`, `page` (a fresh anonymous context),
`logged_in_page(email, password)` (a new context, logged in through the login form). A failing test
leaves a screenshot in artifacts/screenshots/.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.browser.helpers import (
    AXE_SCRIPT,
    CHROMIUM,
    CHROMIUM_ARGS,
    DEMO_STUDENT,
    WAIT_MS,
    in_ci,
    log_in,
    screenshot,
)
from tests.processes import BIN, ROOT, free_port, http_get, log_text, start, stop, wait_until

SETUP_TIMEOUT = 240  # seconds for migrate, seed_demo or issuing
START_TIMEOUT = 90

# Issues the demo student's awards and full CLR through the running worker, waits until all are
# signed, then prints one signed achievement credential as JSON.
ISSUE_SCRIPT = f"""
import json, sys, time
from achievements.models import Learner
from credentials import services
from credentials.models import CredentialKind, CredentialState, IssuedCredential

learner = Learner.objects.filter(user__email={DEMO_STUDENT!r}).order_by("pk").first()
if learner is None:
    sys.exit("seed_demo made no learner for {DEMO_STUDENT}")
for award in learner.awards.active().achieved().order_by("pk"):
    services.credential_issue(award=award)
services.clr_issue(learner=learner)
deadline = time.monotonic() + {SETUP_TIMEOUT - 30}
mine = IssuedCredential.objects.filter(learner=learner)
while mine.filter(state=CredentialState.QUEUED).exists():
    if time.monotonic() > deadline:
        sys.exit(f"{{mine.filter(state=CredentialState.QUEUED).count()}} credential(s) still queued")
    time.sleep(0.3)
failed = list(mine.filter(state=CredentialState.FAILED).values_list("id", "error"))
if failed:
    sys.exit(f"signing failed: {{failed[:3]}}")
credential = mine.filter(kind=CredentialKind.ACHIEVEMENT, state=CredentialState.SIGNED).order_by("created_at").first()
print("SIGNED", mine.filter(state=CredentialState.SIGNED).count())
print("CREDENTIAL " + json.dumps(credential.document))
"""


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value] if value else []


def _require(condition: bool, reason: str) -> None:
    if condition:
        return
    if in_ci():
        pytest.fail(f"{reason} (CI=true: browser tests must run, not skip)", pytrace=False)
    pytest.skip(reason)


def _require_browser_tools() -> None:
    _require(
        CHROMIUM.exists(), f"{CHROMIUM} is missing: `apt-get install -y chromium` (make node-deps does it)"
    )
    _require(AXE_SCRIPT.exists(), f"{AXE_SCRIPT} is missing: run `make node-deps`")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _require(False, "the playwright Python package is not installed (`make install`)")


@dataclass
class Portal:
    url: str
    root: Path
    env: dict
    signed_credential: dict
    signed_count: int

    def manage(self, *args: str, timeout: float = SETUP_TIMEOUT) -> subprocess.CompletedProcess:
        """Run a manage.py command against this portal's database; fail with its output if it fails."""
        done = subprocess.run(
            [str(BIN / "python"), "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, (
            f"manage.py {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
        return done


def _portal_env(root: Path, port: int) -> dict:
    # A fresh machine's configuration: SQLite and the file broker under `root`, whatever CI set.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "CELERY_TASK_ALWAYS_EAGER"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="clrportal.settings.dev",
        PORTAL_VAR_DIR=str(root / "var"),
        PORTAL_BASE_URL=f"http://127.0.0.1:{port}",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        PYTHONUNBUFFERED="1",
        LOG_LEVEL="WARNING",
    )
    return env


@pytest.fixture(scope="session")
def portal(tmp_path_factory) -> Portal:
    """The portal's web server and a Celery worker on a fresh database with the demo data, issued."""
    _require_browser_tools()
    root = tmp_path_factory.mktemp("browser-portal")
    port = free_port()
    env = _portal_env(root, port)
    url = env["PORTAL_BASE_URL"]
    setup = Portal(url=url, root=root, env=env, signed_credential={}, signed_count=0)
    setup.manage("migrate", "--noinput", "-v0")
    setup.manage("seed_demo")

    hostname = f"browser-tests-{os.getpid()}@%h"
    worker = start(
        # One process (solo pool): it signs the demo student's few dozen credentials in seconds and
        # stops at once on SIGTERM.
        [str(BIN / "python"), "-m", "clrportal.worker", "--pool", "solo", "--hostname", hostname,
         "--loglevel", "WARNING"],
        env=env,
        log_path=root / "worker.log",
    )  # fmt: skip
    web = None
    try:
        web = start(
            [str(BIN / "python"), "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            env=env,
            log_path=root / "web.log",
        )
        wait_until(
            lambda: web.poll() is None and http_get(f"{url}/healthz")[0] == 200,
            timeout=START_TIMEOUT,
            what="the portal's /healthz",
        )
        issued = setup.manage("shell", "-c", ISSUE_SCRIPT)
        lines = issued.stdout.splitlines()
        setup.signed_count = int(next(line for line in lines if line.startswith("SIGNED ")).split()[1])
        setup.signed_credential = json.loads(
            next(line for line in lines if line.startswith("CREDENTIAL ")).removeprefix("CREDENTIAL ")
        )
        # Fetch the status lists once, as any verifier would, so they are signed before the tests run.
        for entry in _as_list(setup.signed_credential.get("credentialStatus")):
            assert http_get(entry["statusListCredential"])[0] == 200
        yield setup
    except BaseException:
        for process in (web, worker):
            if process is not None:
                sys.stderr.write(f"--- {process.log_path} ---\n{log_text(process)[-4000:]}\n")
        raise
    finally:
        if web is not None:
            stop(web)
        stop(worker)


@pytest.fixture(scope="session")
def browser(portal):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def new_context(browser, portal):
    """Open fresh browser contexts (separate cookies: separate people); all are closed after the test."""
    contexts = []

    def _new(**options):
        options = {"viewport": {"width": 1280, "height": 900}, "locale": "en-US", **options}
        context = browser.new_context(base_url=portal.url, **options)
        context.set_default_timeout(WAIT_MS)
        contexts.append(context)
        return context

    yield _new
    for context in contexts:
        context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.browser_failed = report.failed
    return report


@pytest.fixture
def page(request, new_context):
    """A page in a fresh anonymous context; a screenshot is saved if the test fails."""
    opened = new_context().new_page()
    yield opened
    if getattr(request.node, "browser_failed", False):
        for index, each in enumerate(opened.context.pages):
            screenshot(each, f"FAILED-{request.node.name}-{index}")


@pytest.fixture
def logged_in_page(request, new_context, portal):
    """`logged_in_page(email, password)`: a page in a new context, logged in through the login form."""
    pages = []

    def _log_in(email: str, password: str):
        opened = new_context().new_page()
        log_in(opened, portal.url, email, password)
        pages.append(opened)
        return opened

    yield _log_in
    if getattr(request.node, "browser_failed", False):
        for index, each in enumerate(pages):
            screenshot(each, f"FAILED-{request.node.name}-user-{index}")
