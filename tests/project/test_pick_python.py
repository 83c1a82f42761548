"""`make install` makes .venv from the first interpreter scripts/pick-python finds fit: Python 3.11+ that can
make a venv, the distribution's (optimized) build before whatever `python3` the PATH finds first."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def pick(candidates: list[str] | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHON_CANDIDATES"}
    if candidates is not None:
        env["PYTHON_CANDIDATES"] = " ".join(candidates)
    return subprocess.run(
        [str(ROOT / "scripts/pick-python")], env=env, capture_output=True, text=True, timeout=60
    )


def fake_python(folder: Path, name: str, version: str) -> str:
    """An interpreter that answers the fitness check as a Python of `version` would."""
    path = folder / name
    major, minor = version.split(".")
    path.write_text(
        f"#!/bin/sh\nexec {sys.executable} -c 'import sys; sys.exit(({major}, {minor}) < (3, 11))'\n"
    )
    path.chmod(0o755)
    return str(path)


def test_the_first_fit_candidate_is_chosen_and_unfit_ones_are_passed_over(tmp_path):
    old = fake_python(tmp_path, "python3.9", "3.9")
    first_fit = fake_python(tmp_path, "python3.11", "3.11")
    second_fit = fake_python(tmp_path, "python3.12", "3.12")

    result = pick([str(tmp_path / "missing-python"), old, first_fit, second_fit])

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == first_fit


def test_without_a_fit_interpreter_it_fails_and_says_what_is_needed(tmp_path):
    result = pick([fake_python(tmp_path, "python3.10", "3.10"), str(tmp_path / "missing-python")])

    assert result.returncode == 1
    assert result.stdout == ""
    assert "needs Python 3.11 or newer" in result.stderr
    assert "python3.10" in result.stderr


def test_the_distributions_python_is_preferred_to_the_first_on_the_path():
    distribution = Path("/usr/bin/python3")
    fit = (
        distribution.exists()
        and subprocess.run(
            [distribution, "-c", "import ensurepip, sys, venv; sys.exit(sys.version_info < (3, 11))"],
            capture_output=True,
        ).returncode
        == 0
    )
    if not fit:
        pytest.skip("this machine's /usr/bin/python3 is not 3.11+ with venv")

    assert pick(None).stdout.strip() == str(distribution)
