"""Helpers for browser tests: screenshots into artifacts/screenshots/, axe-core accessibility checks, log-in.

Import them in a test module (`from tests.browser.helpers import assert_accessible, screenshot`);
the fixtures that start the portal and the browser are in tests/browser/conftest.py.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
AXE_REPORTS = ARTIFACTS / "axe"
AXE_SCRIPT = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = Path(os.environ.get("CLR_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--no-first-run",
]
# WCAG 2.0/2.1/2.2 A and AA rules; "serious" and "critical" findings fail a test.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING_IMPACTS = {"serious", "critical"}
DEMO_PASSWORD = "demo-password-2026"
DEMO_STUDENT = "student@northbridge.example"
WAIT_MS = 15_000


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")[:120] or "page"


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as artifacts/screenshots/<name>.png and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{_slug(name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_results(page) -> dict:
    """Run axe-core (from tests/browser/node_modules) in the page and return its results."""
    if not AXE_SCRIPT.exists():
        raise AssertionError(
            f"{AXE_SCRIPT} is missing: run `make node-deps` (npm ci --prefix tests/browser)."
        )
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated through the DevTools protocol: a <script> tag would be refused by the page's
        # Content-Security-Policy, which allows no inline script.
        page.evaluate(AXE_SCRIPT.read_text() + "\n;true")
    return page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )


def assert_accessible(page, name: str | None = None) -> dict:
    """Fail if axe-core finds any serious or critical WCAG A/AA violation on the page as it is now.

    The full report is saved as artifacts/axe/<name>.json, and a screenshot beside the others.
    """
    name = name or _slug(page.url.split("://", 1)[-1])
    results = axe_results(page)
    AXE_REPORTS.mkdir(parents=True, exist_ok=True)
    (AXE_REPORTS / f"{_slug(name)}.json").write_text(json.dumps(results["violations"], indent=2))
    screenshot(page, f"axe-{name}")
    blocking = [v for v in results["violations"] if v.get("impact") in BLOCKING_IMPACTS]
    summary = "\n".join(
        f"- [{v['impact']}] {v['id']}: {v['help']} ({len(v['nodes'])} element(s), e.g. "
        f"{v['nodes'][0]['target'] if v['nodes'] else '?'}: {v['nodes'][0].get('failureSummary', '') if v['nodes'] else ''})"
        for v in blocking
    )
    assert not blocking, (
        f"axe-core found serious or critical accessibility problems on {page.url}:\n{summary}"
    )
    return results


def log_in(page, base_url: str, email: str, password: str) -> None:
    """Log in through the real login form, as a person would."""
    page.goto(f"{base_url}/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("form:has(input[name=password]) [type=submit]").first.click()
    page.wait_for_load_state("load")
    if "/accounts/login/" in page.url:
        raise AssertionError(f"Logging in as {email} failed; the page says: {page.inner_text('main')[:500]}")
