"""A NUL byte in an SIS file (PostgreSQL cannot store one) is a problem of its line, never a 500."""

import io

import pytest
from django.core.management import CommandError, call_command

from achievements.models import Award, Learner
from tests.factories import make_achievement

pytestmark = pytest.mark.django_db


def test_a_nul_byte_in_a_csv_name_is_a_problem_of_its_row(tmp_path, institution):
    make_achievement(institution, "CS 101")
    path = tmp_path / "awards.csv"
    path.write_bytes(
        b"student_id,given_name,family_name,email,achievement_code,term,result,awarded_date\n"
        b"S1,Ma\x00ya,Chen,s1@students.example.edu,CS 101,Fall 2025,A,2025-12-20\n"
    )
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_records", str(path), "--institution", institution.slug, "--no-progress", stdout=out
        )
    assert "awards.csv line 2, column 2: The value contains a NUL character" in out.getvalue()
    assert not Learner.objects.exists() and not Award.objects.exists()


def test_a_nul_byte_in_a_oneroster_file_is_a_problem_of_its_line(tmp_path, institution):
    import zipfile
    from pathlib import Path

    make_achievement(institution, "CS 101")
    sample = Path(__file__).resolve().parents[2] / "docs" / "sample-oneroster"
    path = tmp_path / "bundle.zip"
    with zipfile.ZipFile(path, "w") as bundle:
        for member in sample.iterdir():
            data = member.read_bytes()
            if member.name == "users.csv":
                data = data.replace(b"Maya", b"Ma\x00ya", 1)
            bundle.writestr(member.name, data)
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_records", str(path), "--institution", institution.slug, "--no-progress", stdout=out
        )
    assert "users.csv line" in out.getvalue() and "NUL character" in out.getvalue()
    assert not Award.objects.exists()
