"""OneRoster 1.2 CSV bundles (zip) through `manage.py import_records`."""

import io
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from achievements.models import Achievement, Award, Learner, Term
from tests.factories import make_achievement

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "sample-oneroster"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


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


def fixture_bundle(tmp_path, folder: str) -> Path:
    """One of the bundles under tests/achievements/fixtures/, zipped."""
    path = tmp_path / f"{folder}.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for source in sorted((FIXTURES / folder).glob("*.csv")):
            archive.writestr(source.name, source.read_text(encoding="utf-8"))
    return path


def run_failing(path, institution, *args):
    out = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command(
            "import_records", str(path), "--institution", institution.slug, "--no-progress", *args, stdout=out
        )
    return out.getvalue(), str(raised.value)


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

    assert "4 awards created" in output
    maya = Learner.objects.get(institution=catalog, student_id="N3001")
    assert (maya.sourced_id, maya.given_name, maya.family_name) == ("usr-1001", "Maya", "Chen")
    assert maya.email == "maya.chen@students.northbridge.example"
    # The teacher is enrolled too, but only students' results become awards.
    assert not Learner.objects.filter(student_id="T9001").exists()
    cs101 = Award.objects.get(learner=maya, achievement__human_code="CS 101")
    assert cs101.term == "Fall 2025"
    # OneRoster's endDate 2025-12-13 is exclusive: the session's last day is the 12th.
    assert (str(cs101.activity_start_date), str(cs101.activity_end_date)) == ("2025-08-25", "2025-12-12")
    assert str(cs101.awarded_date) == "2025-12-17"
    assert cs101.source == "oneroster"
    # The homework score is not a final grade: only the Final Grade line item counts.
    assert [(r.value, r.status) for r in cs101.results.all()] == [("A-", "Completed")]
    assert sorted(Award.objects.values_list("learner__student_id", "achievement__human_code")) == [
        ("N3001", "CS 101"), ("N3001", "MATH 151"), ("N3002", "CS 101"), ("N3002", "PHIL 110"),
    ]  # fmt: skip


def test_importing_the_same_bundle_twice_changes_nothing(tmp_path, catalog):
    path = bundle(tmp_path)
    run(path, catalog)
    output = run(path, catalog)
    assert "0 awards created, 0 updated, 4 unchanged" in output
    assert Award.objects.count() == 4
    assert Achievement.objects.filter(institution=catalog).count() == 3
    assert Term.objects.filter(institution=catalog).count() == 2


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
    assert "0 awards created, 1 updated, 3 unchanged" in output
    assert (
        Award.objects.get(learner__student_id="N3002", achievement__human_code="CS 101").results.get().value
        == "C+"
    )


def test_problems_are_reported_by_file_line_and_column(tmp_path, catalog):
    path = bundle(
        tmp_path,
        append={
            "results.csv": "res-6,active,2025-12-17T00:00:00Z,li-cs101-final,usr-1002,fully graded,,2025-12-17,,Q\n"
            "res-7,active,2025-12-17T00:00:00Z,li-math151-final,usr-1002,fully graded,,2025-12-17,,A\n"
            "res-8,active,2025-12-17T00:00:00Z,li-nowhere,usr-1001,fully graded,,2025-12-17,,A\n"
        },
    )
    with pytest.raises(CommandError, match="Nothing was imported"):
        output = io.StringIO()
        call_command(
            "import_records", str(path), "--institution", catalog.slug, "--no-progress", stdout=output
        )
    text = output.getvalue()
    assert "results.csv line 7, column textScore: 'Q' is not on the scale 'Final grade'" in text
    assert (
        "results.csv line 8, column studentSourcedId: 'usr-1002' is not enrolled as a student in class 'cls-math151-fa25'."
        in text
    )
    assert "results.csv line 9, column lineItemSourcedId: No line item 'li-nowhere' in lineItems.csv." in text
    assert not Award.objects.exists()
    assert not Learner.objects.exists()


def test_a_course_that_cannot_be_in_the_catalog_is_reported_in_courses_csv_not_at_its_results(
    tmp_path, catalog
):
    long_code = "MATH " + "1" * 60
    path = bundle(
        tmp_path,
        replace={
            "courses.csv": [
                ("Calculus I,MATH 151", f"Calculus I,{long_code}"),
                ("Introduction to Philosophy,PHIL 110", "Introduction to Philosophy,"),
            ]
        },
    )
    output, _error = run_failing(path, catalog)
    assert "courses.csv line 3, column courseCode: courseCode is longer than 60 characters" in output
    assert "the 1 result that depends on it is not imported" in output
    assert "courses.csv line 4, column courseCode: courseCode is required: it names the achievement" in output
    assert "results.csv line 4" not in output and "results.csv line 6" not in output
    assert "No achievement with the code" not in output


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
    assert "4 awards created" in output


def test_valid_only_imports_what_it_can_from_a_bundle(tmp_path, catalog):
    path = bundle(tmp_path, replace={"courses.csv": [("Calculus I,MATH 151", "Calculus I,")]})
    output = run(path, catalog, "--valid-only")
    assert "3 awards created" in output
    assert "Skipped 1 rows with problems" in output


# --- issue 10: duplicate ids, file-level problems, new courses, terms ------------------------------------


def test_a_sourced_id_repeated_in_users_csv_is_an_error_on_both_lines_and_none_of_its_grades_are_imported(
    tmp_path, catalog
):
    path = fixture_bundle(tmp_path, "oneroster-duplicate-user")
    output = run(path, catalog, "--valid-only")

    assert (
        "users.csv line 17, column sourcedId: sourcedId 'usr-1016' is also on line 31 of users.csv: "
        "ids must be unique; the 7 results that depend on it are not imported." in output
    )
    assert (
        "users.csv line 31, column sourcedId: sourcedId 'usr-1016' is also on line 17 of users.csv" in output
    )
    # Neither person gets the seven grades; everyone else's are imported.
    assert not Learner.objects.filter(student_id__in=["N3016", "N3999"]).exists()
    assert not Learner.objects.filter(sourced_id="usr-1016").exists()
    assert sorted(Learner.objects.values_list("student_id", flat=True)) == [
        "N3001",
        "N3002",
        "N3003",
        "N3004",
        "N3005",
    ]
    assert Award.objects.count() == 5
    assert "Skipped 7 rows with problems" in output


def test_a_sourced_id_repeated_in_any_file_taints_what_depends_on_it(tmp_path, catalog):
    path = bundle(
        tmp_path,
        append={
            "classes.csv": "cls-math151-fa25,active,2025-08-01T00:00:00Z,MATH 151 again,13,crs-math151,M,scheduled,,org-nb,as-2026-sp,,,\n",
            "results.csv": "res-1,active,2025-12-17T00:00:00Z,li-cs101-hw1,usr-1002,fully graded,80,2025-12-17,,\n",
        },
    )
    output = run(path, catalog, "--valid-only")
    assert (
        "classes.csv line 3, column sourcedId: sourcedId 'cls-math151-fa25' is also on line 5 of classes.csv"
        in output
    )
    assert "classes.csv line 5, column sourcedId" in output
    assert "the 1 result that depends on it is not imported" in output
    assert (
        "results.csv line 2, column sourcedId: sourcedId 'res-1' is also on line 7 of results.csv" in output
    )
    assert not Award.objects.filter(achievement__human_code="MATH 151").exists()
    assert Award.objects.count() == 3


def test_a_missing_column_does_not_hide_the_row_level_problems_of_the_other_files(tmp_path, catalog):
    path = fixture_bundle(tmp_path, "oneroster-missing-column")
    output, error = run_failing(path, catalog, "--valid-only")

    # Everything is reported in one run, each at its file, line and column.
    assert "enrollments.csv line 1, column role: enrollments.csv lacks column(s) role." in output
    assert (
        "users.csv line 3, column email: 'omar.haddad.at.northbridge' is not an email address; the 1 result that depends on it is not imported."
        in output
    )
    assert "courses.csv line 3, column courseCode: courseCode is required" in output
    assert (
        "academicSessions.csv line 2, column endDate: '2025-12-40' is not a date (YYYY-MM-DD); the 3 results that depend on it"
        in output
    )
    assert "results.csv line 5, column scoreDate: '2025-12-99' is not a date (YYYY-MM-DD)." in output
    # --valid-only cannot help: the message says what blocks the import instead of suggesting it.
    assert "run again with --valid-only" not in error
    assert "enrollments.csv line 1, column role: enrollments.csv lacks column(s) role." in error
    assert not Award.objects.exists() and not Learner.objects.exists()
    assert not Achievement.objects.exclude(human_code__in=["CS 101", "MATH 151"]).exists()


def test_without_valid_only_a_file_level_problem_is_named_and_valid_only_not_suggested(tmp_path, catalog):
    path = fixture_bundle(tmp_path, "oneroster-missing-column")
    _output, error = run_failing(path, catalog)
    assert "enrollments.csv lacks column(s) role" in error
    assert "run again with --valid-only" not in error


def test_courses_new_to_the_catalog_become_course_achievements_when_imported_not_on_a_dry_run(
    tmp_path, catalog
):
    path = bundle(tmp_path)
    dry = run(path, catalog, "--dry-run")
    assert "New achievement: PHIL 110 Introduction to Philosophy (3 credits), courses.csv line 4" in dry
    assert not Achievement.objects.filter(human_code="PHIL 110").exists()
    assert not Term.objects.exists()

    output = run(path, catalog)
    assert "New achievement: PHIL 110 Introduction to Philosophy (3 credits)" in output
    phil = Achievement.objects.get(institution=catalog, human_code="PHIL 110")
    version = phil.current_version
    assert (version.achievement_type, version.name, version.credits_available) == (
        "Course", "Introduction to Philosophy", Decimal("3.00"),
    )  # fmt: skip
    assert "Imported from the SIS" in version.criteria_narrative
    assert version.other_identifiers == [{"identifier_type": "sisSourcedId", "identifier": "crs-phil110"}]
    award = Award.objects.get(achievement=phil)
    assert (award.learner.student_id, award.term, award.results.get().value) == ("N3002", "Fall 2025", "A")
    assert award.credits_earned == Decimal("3.00")
    # Courses already in the catalog keep their catalog entry.
    assert Achievement.objects.filter(institution=catalog).count() == 3


def test_a_new_course_grades_on_the_catalogs_letter_scale_so_an_f_there_is_an_attempt(tmp_path, catalog):
    from tests.factories import LETTER_GRADE

    path = bundle(
        tmp_path,
        replace={
            "results.csv": [
                (
                    "li-phil110-final,usr-1002,fully graded,,2025-12-17,,A",
                    "li-phil110-final,usr-1002,fully graded,,2025-12-17,,F",
                )
            ]
        },
    )
    run(path, catalog)
    scale = Achievement.objects.get(human_code="PHIL 110").current_version.result_descriptions.get()
    assert (scale.allowed_values, scale.required_value) == (LETTER_GRADE["allowed_values"], "D")
    award = Award.objects.get(achievement__human_code="PHIL 110")
    assert award.results.get().value == "F"
    assert award.is_attempt and award.credits_earned == 0


def test_a_new_course_without_credits_in_the_bundle_has_none(tmp_path, catalog):
    path = bundle(tmp_path, replace={"courses.csv": [("Philosophy,,3", "Philosophy,,")]})
    output = run(path, catalog)
    assert "New achievement: PHIL 110 Introduction to Philosophy, courses.csv line 4" in output
    assert Achievement.objects.get(human_code="PHIL 110").current_version.credits_available is None


def test_academic_sessions_become_terms_ending_on_the_day_before_the_exclusive_end_date(tmp_path, catalog):
    path = bundle(tmp_path)
    run(path, catalog)
    terms = {t.name: t for t in Term.objects.filter(institution=catalog)}
    assert sorted(terms) == ["Fall 2025", "Spring 2026"]
    fall = terms["Fall 2025"]
    assert (str(fall.start_date), str(fall.end_date), fall.sourced_id) == (
        "2025-08-25",
        "2025-12-12",
        "as-2025-fa",
    )
    assert str(terms["Spring 2026"].end_date) == "2026-05-15"
    # Importing again (or a corrected end date) updates the term, never a second one.
    moved = bundle(
        tmp_path,
        name="moved.zip",
        replace={"academicSessions.csv": [("2026-01-20,2026-05-16", "2026-01-20,2026-05-23")]},
    )
    run(moved, catalog)
    assert Term.objects.filter(institution=catalog).count() == 2
    assert str(Term.objects.get(name="Spring 2026").end_date) == "2026-05-22"


def test_a_session_that_ends_before_it_starts_is_reported(tmp_path, catalog):
    path = bundle(
        tmp_path, replace={"academicSessions.csv": [("2025-08-25,2025-12-13", "2025-08-25,2025-08-25")]}
    )
    output, _error = run_failing(path, catalog)
    assert (
        "academicSessions.csv line 2, column endDate: The session ends before it starts "
        "(endDate is exclusive: the last day is the day before it)" in output
    )


def test_credits_that_are_not_a_number_are_reported_in_courses_csv(tmp_path, catalog):
    path = bundle(tmp_path, replace={"courses.csv": [("Philosophy,,3", "Philosophy,,three")]})
    output, _error = run_failing(path, catalog)
    assert (
        "courses.csv line 4, column metadata.credits: 'three' is not a number of credits (e.g. 3 or 1.5); "
        "the 1 result that depends on it is not imported." in output
    )
    assert not Achievement.objects.filter(human_code="PHIL 110").exists()
