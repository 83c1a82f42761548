"""OneRoster 1.2 CSV bundles (zip) through `manage.py import_records`."""

import io
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from achievements.models import Award, Learner
from tests.factories import make_achievement

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "sample-oneroster"


def bundle(tmp_path, *, replace=None, append=None, drop=(), folder="", name="oneroster.zip") -> Path:
    """The sample bundle from docs/, zipped, with text replaced or lines appended per file."""
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as archive:
        for source in sorted(SAMPLE.glob("*.csv")):
            if source.name in drop:
                continue
            text = source.read_text(encoding="utf-8")
            for old, new in (replace or {}).get(source.name, []):
                assert old in text, (source.name, old)
                text = text.replace(old, new)
            text += (append or {}).get(source.name, "")
            archive.writestr(folder + source.name, text)
    return path


def run(path, institution, *args):
    out = io.StringIO()
    call_command(
        "import_records", str(path), "--institution", institution.slug, "--no-progress", *args, stdout=out
    )
    return out.getvalue()


@pytest.fixture
def catalog(institution, course):
    make_achievement(institution, "MATH 151", name="Calculus I")
    return institution


def test_it_maps_users_courses_sessions_and_final_grades_to_learners_and_awards(tmp_path, catalog):
    output = run(bundle(tmp_path), catalog)

    assert "3 awards created" in output
    maya = Learner.objects.get(institution=catalog, student_id="N3001")
    assert (maya.sourced_id, maya.given_name, maya.family_name) == ("usr-1001", "Maya", "Chen")
    assert maya.email == "maya.chen@students.northbridge.example"
    # The teacher is enrolled too, but only students' results become awards.
    assert not Learner.objects.filter(student_id="T9001").exists()
    cs101 = Award.objects.get(learner=maya, achievement__human_code="CS 101")
    assert cs101.term == "Fall 2025"
    assert (str(cs101.activity_start_date), str(cs101.activity_end_date)) == ("2025-08-25", "2025-12-12")
    assert str(cs101.awarded_date) == "2025-12-17"
    assert cs101.source == "oneroster"
    # The homework score is not a final grade: only the Final Grade line item counts.
    assert [(r.value, r.status) for r in cs101.results.all()] == [("A-", "Completed")]
    assert sorted(Award.objects.values_list("learner__student_id", "achievement__human_code")) == [
        ("N3001", "CS 101"), ("N3001", "MATH 151"), ("N3002", "CS 101"),
    ]  # fmt: skip


def test_importing_the_same_bundle_twice_changes_nothing(tmp_path, catalog):
    path = bundle(tmp_path)
    run(path, catalog)
    output = run(path, catalog)
    assert "0 awards created, 0 updated, 3 unchanged" in output
    assert Award.objects.count() == 3


def test_a_corrected_grade_updates_the_award(tmp_path, catalog):
    run(bundle(tmp_path), catalog)
    corrected = bundle(
        tmp_path,
        name="corrected.zip",
        replace={
            "results.csv": [("usr-1002,fully graded,,2025-12-17,,C", "usr-1002,fully graded,,2025-12-18,,C+")]
        },
    )
    output = run(corrected, catalog)
    assert "0 awards created, 1 updated, 2 unchanged" in output
    assert Award.objects.get(learner__student_id="N3002").results.get().value == "C+"


def test_problems_are_reported_by_file_line_and_column(tmp_path, catalog):
    path = bundle(
        tmp_path,
        replace={"courses.csv": [("Calculus I,MATH 151", "Calculus I,MATH 999")]},
        append={
            "results.csv": "res-5,active,2025-12-17T00:00:00Z,li-cs101-final,usr-1002,fully graded,,2025-12-17,,Q\n"
            "res-6,active,2025-12-17T00:00:00Z,li-math151-final,usr-1002,fully graded,,2025-12-17,,A\n"
            "res-7,active,2025-12-17T00:00:00Z,li-nowhere,usr-1001,fully graded,,2025-12-17,,A\n"
        },
    )
    with pytest.raises(CommandError, match="Nothing was imported"):
        output = io.StringIO()
        call_command(
            "import_records", str(path), "--institution", catalog.slug, "--no-progress", stdout=output
        )
    text = output.getvalue()
    assert "results.csv line 4, column lineItemSourcedId: No achievement with the code 'MATH 999'" in text
    assert "results.csv line 6, column achievement_code" not in text
    assert "results.csv line 6, column textScore: 'Q' is not on the scale 'Final grade'" in text
    assert (
        "results.csv line 7, column studentSourcedId: 'usr-1002' is not enrolled as a student in class 'cls-math151-fa25'."
        in text
    )
    assert "results.csv line 8, column lineItemSourcedId: No line item 'li-nowhere' in lineItems.csv." in text
    assert not Award.objects.exists()
    assert not Learner.objects.exists()


def test_a_bundle_missing_a_file_or_column_is_refused(tmp_path, catalog):
    output = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import_records", str(bundle(tmp_path, drop=("enrollments.csv",))), "--institution", catalog.slug,
            "--no-progress", stdout=output,
        )  # fmt: skip
    assert "enrollments.csv: The bundle has no enrollments.csv." in output.getvalue()


def test_files_in_a_folder_inside_the_zip_are_found(tmp_path, catalog):
    output = run(bundle(tmp_path, folder="export-2025-12-20/"), catalog)
    assert "3 awards created" in output


def test_valid_only_imports_what_it_can_from_a_bundle(tmp_path, catalog):
    path = bundle(tmp_path, replace={"courses.csv": [("Calculus I,MATH 151", "Calculus I,MATH 999")]})
    output = run(path, catalog, "--valid-only")
    assert "2 awards created" in output
    assert "Skipped 1 rows with problems" in output
