"""The award CSV through `manage.py import_records`, as a registrar runs it."""

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from achievements.imports import engine
from achievements.models import Award, AwardChange, AwardResult, ImportRun, Learner
from institutions.models import AuditEntry
from tests.factories import make_achievement

pytestmark = pytest.mark.django_db

HEADER = (
    "student_id,given_name,family_name,email,achievement_code,term,result,credits_earned,"
    "activity_start_date,activity_end_date,awarded_date\n"
)


def row(
    student="S1",
    code="CS 101",
    term="Fall 2025",
    result="A",
    credits="4",
    given="Maya",
    family="Chen",
    email=None,
    start="2025-09-01",
    end="2025-12-15",
    awarded="2025-12-20",
):
    email = email if email is not None else f"{student.lower()}@students.example.edu"
    return f"{student},{given},{family},{email},{code},{term},{result},{credits},{start},{end},{awarded}\n"


def write(tmp_path, text, name="awards.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(path, institution, *args):
    out = io.StringIO()
    call_command(
        "import_records", str(path), "--institution", institution.slug, "--no-progress", *args, stdout=out
    )
    return out.getvalue()


def run_failing(path, institution, *args):
    out = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command(
            "import_records", str(path), "--institution", institution.slug, "--no-progress", *args, stdout=out
        )
    return out.getvalue(), str(raised.value)


def snapshot():
    return (
        Learner.objects.count(),
        Award.objects.count(),
        AwardResult.objects.count(),
        AwardChange.objects.count(),
        sorted(
            Award.objects.values_list(
                "learner__student_id", "achievement__human_code", "term", "credits_earned"
            )
        ),
    )


@pytest.fixture
def catalog(institution, course):
    make_achievement(institution, "MATH 151", name="Calculus I")
    make_achievement(
        institution,
        "CAP 490",
        name="Capstone",
        results=[
            {
                "name": "Capstone rubric",
                "result_type": "RubricCriterionLevel",
                "levels": [{"name": "Exemplary", "points": "4"}, {"name": "Proficient", "points": "3"}],
                "required_level": "Proficient",
            }
        ],
    )
    make_achievement(institution, "STAT 200", name="Statistics", results=[
        {"name": "Score", "result_type": "Percent", "value_min": "0", "value_max": "100", "required_value": "60"}
    ])  # fmt: skip
    return institution


def test_it_imports_learners_awards_and_results(tmp_path, catalog):
    path = write(
        tmp_path,
        HEADER
        + row("S1", "CS 101", result="A-")
        + row("S1", "MATH 151", result="F", credits="")
        + row("S2", "CAP 490", result="Proficient", given="Omar", family="Haddad")
        + row("S2", "STAT 200", result="87.5", credits="", given="Omar", family="Haddad"),
    )
    output = run(path, catalog)

    assert "4 awards created, 0 updated, 0 unchanged" in output
    maya = Learner.objects.get(institution=catalog, student_id="S1")
    assert (maya.given_name, maya.family_name, maya.email) == ("Maya", "Chen", "s1@students.example.edu")
    cs101 = Award.objects.get(learner=maya, achievement__human_code="CS 101")
    assert cs101.term == "Fall 2025"
    assert cs101.credits_earned == Decimal("4.00")
    assert str(cs101.awarded_date) == "2025-12-20"
    assert cs101.achievement_version == cs101.achievement.current_version
    assert cs101.source == "sis_import"
    assert [(r.value, r.status) for r in cs101.results.all()] == [("A-", "Completed")]
    # A failing grade with no credits given earns none and is marked Failed.
    math = Award.objects.get(learner=maya, achievement__human_code="MATH 151")
    assert math.credits_earned == Decimal("0.00")
    assert math.results.get().status == "Failed"
    capstone = Award.objects.get(achievement__human_code="CAP 490")
    assert capstone.results.get().achieved_level.name == "Proficient"
    stat = Award.objects.get(achievement__human_code="STAT 200")
    assert stat.credits_earned == Decimal("4.00")
    assert stat.results.get().value == "87.5"
    entry = AuditEntry.objects.get(action="records.imported")
    assert entry.data["created"] == 4
    assert ImportRun.objects.get().status == "imported"


def test_the_dry_run_lists_each_bad_row_with_its_line_column_and_reason_and_writes_nothing(tmp_path, catalog):
    path = write(
        tmp_path,
        HEADER
        + row("S1", "CS 101")  # line 2: fine
        + row("S1", "CS 999")  # line 3: unknown code
        + row("S2", "CS 101", result="Z")  # line 4: not on the scale
        + row("S3", "CS 101", awarded="2025-13-45")  # line 5: bad date
        + row("S1", "CS 101")  # line 6: duplicate of line 2
        + row("S4", "STAT 200", result="120")  # line 7: above the maximum
        + row("S5", "CS 101", credits="9")  # line 8: more credits than offered
        + row("S6", "CS 101", email="not-an-email"),  # line 9
    )
    before = snapshot()
    output, error = run_failing(path, catalog, "--dry-run")

    assert "awards.csv line 3, column achievement_code: No achievement with the code 'CS 999'" in output
    assert "awards.csv line 4, column result: 'Z' is not on the scale 'Final grade'" in output
    assert "awards.csv line 5, column awarded_date: '2025-13-45' is not a date" in output
    assert "awards.csv line 6, column achievement_code: Duplicate of line 2" in output
    assert "awards.csv line 7, column result: 120 is above the maximum 100" in output
    assert "awards.csv line 8, column credits_earned: 9 credits is more than the 4.00" in output
    assert "awards.csv line 9, column email: 'not-an-email' is not an email address." in output
    assert "line 2," not in output
    assert "Dry run, nothing written" in output
    assert "1 awards created" in output  # what importing the valid rows would do
    assert "7 problems" in error
    assert snapshot() == before
    assert not ImportRun.objects.exists()


def test_a_file_with_problems_is_not_imported_at_all(tmp_path, catalog):
    path = write(tmp_path, HEADER + row("S1", "CS 101") + row("S2", "MATH 151") + row("S3", "NOPE 1"))
    before = snapshot()
    output, error = run_failing(path, catalog)
    assert "line 4, column achievement_code" in output
    assert "Nothing was imported" in error
    assert snapshot() == before
    assert ImportRun.objects.get().status == "rejected"


def test_valid_only_imports_the_good_rows_and_reports_the_skipped_ones(tmp_path, catalog):
    path = write(
        tmp_path, HEADER + row("S1", "CS 101") + row("S2", "MATH 151", result="Q") + row("S3", "MATH 151")
    )
    output = run(path, catalog, "--valid-only")
    assert "line 3, column result: 'Q' is not on the scale" in output
    assert "Skipped 1 rows with problems" in output
    assert sorted(Award.objects.values_list("learner__student_id", flat=True)) == ["S1", "S3"]
    run_record = ImportRun.objects.get()
    assert (run_record.created, run_record.skipped, run_record.valid_only) == (2, 1, True)
    assert run_record.problems[0]["line"] == 3


def test_importing_the_same_file_twice_changes_nothing(tmp_path, catalog):
    path = write(
        tmp_path, HEADER + row("S1", "CS 101") + row("S1", "MATH 151") + row("S2", "CS 101", given="Omar")
    )
    run(path, catalog)
    first = snapshot()
    output = run(path, catalog)
    assert "0 awards created, 0 updated, 3 unchanged" in output
    assert snapshot() == first
    assert Award.objects.count() == 3


def test_a_corrected_file_updates_only_the_changed_awards_and_keeps_their_history(tmp_path, catalog):
    run(
        write(tmp_path, HEADER + row("S1", "CS 101", result="B") + row("S2", "CS 101", given="Omar")), catalog
    )
    award = Award.objects.get(learner__student_id="S1")
    untouched = Award.objects.get(learner__student_id="S2")
    corrected = (
        HEADER + row("S1", "CS 101", result="A", awarded="2025-12-21") + row("S2", "CS 101", given="Omar")
    )
    output = run(write(tmp_path, corrected, "corrected.csv"), catalog)

    assert "0 awards created, 1 updated, 1 unchanged" in output
    award.refresh_from_db()
    assert award.results.get().value == "A"
    assert str(award.awarded_date) == "2025-12-21"
    assert Award.objects.count() == 2
    change = award.history.filter(action="updated").get()
    assert change.changes["awarded_date"] == "2025-12-20"
    assert change.changes["results"][0][1] == "B"
    assert "corrected.csv line 2" in change.source
    assert not untouched.history.filter(action="updated").exists()


def test_a_corrected_name_updates_the_learner(tmp_path, catalog):
    run(write(tmp_path, HEADER + row("S1", given="Mya")), catalog)
    output = run(write(tmp_path, HEADER + row("S1", given="Maya")), catalog)
    assert "1 updated." in output  # the learner, not the award
    assert Learner.objects.get(student_id="S1").given_name == "Maya"


def test_withdrawn_awards_are_left_as_they_are(tmp_path, catalog):
    from achievements.services import award_withdraw

    run(write(tmp_path, HEADER + row("S1", "CS 101", result="B")), catalog)
    award_withdraw(award=Award.objects.get(), reason="Academic misconduct")
    output = run(write(tmp_path, HEADER + row("S1", "CS 101", result="A")), catalog)
    assert "1 withdrawn left as they are" in output
    award = Award.objects.get()
    assert award.is_withdrawn and award.results.get().value == "B"


def test_a_failure_while_writing_leaves_the_database_unchanged(tmp_path, catalog, monkeypatch):
    rows = "".join(row(f"S{n}", "CS 101") for n in range(30))
    before = snapshot()
    batches = []
    original = engine._Writer.write_batch

    def fail_on_second_batch(self, batch):
        batches.append(len(batch))
        if len(batches) == 2:
            raise RuntimeError("disk full")
        return original(self, batch)

    monkeypatch.setattr(engine._Writer, "write_batch", fail_on_second_batch)
    with pytest.raises(RuntimeError, match="disk full"):
        run(write(tmp_path, HEADER + rows), catalog, "--batch-size", "10")
    assert batches == [10, 10]
    assert snapshot() == before


def test_rows_of_another_institutions_catalog_are_unknown(tmp_path, catalog, other_institution):
    make_achievement(other_institution, "OTHER 1")
    output, _error = run_failing(write(tmp_path, HEADER + row("S1", "OTHER 1")), catalog)
    assert "No achievement with the code 'OTHER 1'" in output
    assert not Award.objects.exists()


def test_the_same_student_id_at_two_institutions_is_two_learners(tmp_path, catalog, other_institution):
    make_achievement(other_institution, "CS 101")
    path = write(tmp_path, HEADER + row("S1", "CS 101"))
    run(path, catalog)
    run(path, other_institution)
    assert Learner.objects.filter(student_id="S1").count() == 2
    assert Award.objects.filter(institution=catalog).count() == 1


def test_an_unknown_institution_or_missing_columns_are_refused(tmp_path, catalog):
    with pytest.raises(CommandError, match="No institution"):
        call_command("import_records", str(write(tmp_path, HEADER)), "--institution", "nowhere")
    output, _ = run_failing(write(tmp_path, "student_id,term\nS1,Fall\n"), catalog)
    assert (
        "line 1, column given_name, family_name, achievement_code: The header lacks required column(s)"
        in output
    )


def test_the_number_of_queries_does_not_grow_with_the_number_of_rows(tmp_path, catalog):
    def queries_for(count, offset):
        rows = "".join(
            row(f"Q{offset + n}", ["CS 101", "MATH 151"][n % 2], term=f"T{n % 7}", given="A", family="B")
            for n in range(count)
        )
        path = write(tmp_path, HEADER + rows, f"q{count}.csv")
        with CaptureQueriesContext(connection) as captured:
            run(path, catalog, "--batch-size", "1000")
        return len(captured.captured_queries)

    small, large = queries_for(50, 0), queries_for(500, 10_000)
    assert Award.objects.count() == 550
    assert large == small, (small, large)

    # Re-importing (every row an update) is just as flat.
    def reimport(count, offset):
        rows = "".join(
            row(
                f"Q{offset + n}",
                ["CS 101", "MATH 151"][n % 2],
                term=f"T{n % 7}",
                result="B",
                given="A",
                family="B",
            )
            for n in range(count)
        )
        with CaptureQueriesContext(connection) as captured:
            run(write(tmp_path, HEADER + rows, f"r{count}.csv"), catalog, "--batch-size", "1000")
        return len(captured.captured_queries)

    assert reimport(50, 0) == reimport(500, 10_000)


def test_a_file_with_only_a_header_imports_nothing_quietly(tmp_path, catalog):
    output = run(write(tmp_path, HEADER), catalog)
    assert "holds no award rows" in output
    assert not Award.objects.exists()


def test_a_malformed_csv_is_reported_not_crashed_on(tmp_path, catalog):
    import csv

    path = write(tmp_path, HEADER + row("S1") + 'S2,"' + "x" * (csv.field_size_limit() + 10) + "\n")
    output, _error = run_failing(path, catalog)
    assert "awards.csv line 3: The CSV cannot be read from here on" in output
    assert not Award.objects.exists()


def test_updated_awards_are_announced_for_reissuing(tmp_path, catalog):
    from achievements.signals import awards_updated

    run(write(tmp_path, HEADER + row("S1", result="B") + row("S2", result="B")), catalog)
    heard = []

    def receiver(sender, award_ids, source, **kwargs):
        heard.append((sorted(award_ids), source))

    awards_updated.connect(receiver)
    try:
        run(write(tmp_path, HEADER + row("S1", result="A") + row("S2", result="B"), "fix.csv"), catalog)
    finally:
        awards_updated.disconnect(receiver)
    assert heard == [([Award.objects.get(learner__student_id="S1").pk], "fix.csv")]


def test_a_failing_grade_is_imported_as_an_attempt_with_no_credits_whatever_the_file_says(
    tmp_path, institution
):
    make_achievement(institution, "CS 101")
    path = write(
        tmp_path,
        "student_id,given_name,family_name,email,achievement_code,term,result,result_status,credits_earned,"
        "awarded_date\n"
        "S1,Maya,Chen,s1@students.example.edu,CS 101,Fall 2025,F,Completed,4,2025-12-20\n",
    )
    run(path, institution)
    award = Award.objects.get()
    assert award.is_attempt
    assert [result.status for result in award.results.all()] == ["Failed"]
    assert award.credits_earned == Decimal(0)
