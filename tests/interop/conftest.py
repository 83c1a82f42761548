"""Runs Digital Bazaar's verifier/signer (tests/interop/dbvc.mjs) under Node for the interop tests.

The Node side needs `node` (20+) and its packages installed with `npm ci --prefix tests/interop`.
Without them the tests skip with the reason; set CLR_INTEROP_REQUIRED=1 (CI does) to make a
missing Node side an error instead of a skip.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

INTEROP_DIR = Path(__file__).resolve().parent
REPO = INTEROP_DIR.parent.parent
SCRIPT = INTEROP_DIR / "dbvc.mjs"
NODE_TIMEOUT_SECONDS = 120


@dataclass(repr=False)
class NodeResult:
    returncode: int
    output: dict
    stderr: str

    def __repr__(self):  # shown in full by pytest when an assertion on a result fails
        return f"exit {self.returncode}\n{json.dumps(self.output, indent=2)}\n{self.stderr}"

    __str__ = __repr__


class DigitalBazaar:
    """Writes documents to files and runs one dbvc.mjs command on them."""

    def __init__(self, node: str, workdir: Path):
        self.node = node
        self.workdir = workdir
        self._count = 0

    def file(self, document: dict, name: str = "doc") -> str:
        self._count += 1
        path = self.workdir / f"{self._count:03d}-{name}.json"
        path.write_text(json.dumps(document), encoding="utf-8")
        return str(path)

    def run(self, *args: str) -> NodeResult:
        completed = subprocess.run(
            [self.node, str(SCRIPT), *args],
            cwd=INTEROP_DIR,
            capture_output=True,
            text=True,
            timeout=NODE_TIMEOUT_SECONDS,
            check=False,
        )
        try:
            output = json.loads(completed.stdout)
        except json.JSONDecodeError:
            output = {"unparsed_stdout": completed.stdout}
        return NodeResult(completed.returncode, output, completed.stderr)

    def verify(
        self,
        credential: dict,
        *,
        did_docs: tuple[dict, ...] = (),
        status_lists: tuple[dict, ...] = (),
        nested: bool = False,
        skip_status: bool = False,
    ) -> NodeResult:
        args = ["verify", self.file(credential, "credential")]
        for doc in did_docs:
            args += ["--did-doc", self.file(doc, "did-doc")]
        for status_list in status_lists:
            args += ["--status-list", self.file(status_list, "status-list")]
        if nested:
            args.append("--nested")
        if skip_status:
            args.append("--skip-status")
        return self.run(*args)

    def sign(self, credential: dict, *, seed_hex: str, created: str | None = None) -> dict:
        args = ["sign", self.file(credential, "unsigned"), "--seed", seed_hex]
        if created:
            args += ["--created", created]
        result = self.run(*args)
        assert result.returncode == 0, f"Digital Bazaar could not sign: {result}"
        return result.output

    def keyinfo(self, *, seed_hex: str) -> dict:
        if seed_hex not in _KEYINFO:
            result = self.run("keyinfo", "--seed", seed_hex)
            assert result.returncode == 0, f"keyinfo failed: {result}"
            _KEYINFO[seed_hex] = result.output
        return dict(_KEYINFO[seed_hex])


_KEYINFO: dict[str, dict] = {}  # Digital Bazaar's did:key per seed (deterministic), asked once per run


@functools.cache
def _missing_node_side() -> str | None:
    node = shutil.which("node")
    if node is None:
        return "`node` is not on PATH (Node.js 20+ runs Digital Bazaar's verifier)"
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    major = version.removeprefix("v").split(".")[0]
    if not major.isdigit() or int(major) < 20:
        return (
            f"Node.js 20+ is needed for the pinned Digital Bazaar packages; found {version or 'no version'}"
        )
    if not (INTEROP_DIR / "node_modules" / "@digitalbazaar" / "vc" / "package.json").exists():
        return "Node packages not installed: run `npm ci --prefix tests/interop`"
    return None


@pytest.fixture
def digital_bazaar(tmp_path) -> DigitalBazaar:
    reason = _missing_node_side()
    if reason:
        if os.environ.get("CLR_INTEROP_REQUIRED") == "1":
            pytest.fail(f"CLR_INTEROP_REQUIRED=1 but {reason}")
        pytest.skip(reason)
    return DigitalBazaar(shutil.which("node"), tmp_path)
