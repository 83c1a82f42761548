"""The import's memory does not grow with the file (issue: stream parsing, memory flat): the rows are
checked and written a batch at a time, what earlier batches said is kept on disk, and a file full of
problems reports the first ones and counts the rest. None of this changes what a file imports."""

import pytest

from achievements.imports import bounded, records_import
from achievements.imports.bounded import ProblemLog
from achievements.imports.rows import Problem
from achievements.models import Award, ImportRun, Learner

pytestmark = pytest.mark.django_db

HEADER = "student_id,given_name,family_name,email,achievement_code,term,result,awarded_date\n"


def line(student="S1", code="CS 101", term="Fall 2025", result="B", given="Maya", family="Chen"):
    return f"{student},{given},{family},{student.lower()}@students.example.edu,{code},{term},{result},2025-12-20\n"


def outcome(report):
    return {
        "rows": report.rows,
        "valid": report.valid_rows,
        "problems": [str(problem) for problem in report.problems],
        "counted": (report.problem_count, report.bad_lines),
        "awards": (report.created, report.updated, report.unchanged),
        "learners": (report.learners_created, report.learners_updated),
        "preview": report.changes.preview,
    }


def test_a_batch_boundary_inside_a_learners_rows_changes_nothing(institution, course):
    # S1's rows straddle every boundary of small batches: its duplicate (line 5 repeats line 2) and its
    # changed name (line 6) are found against rows of earlier batches; S2, known under another name, is
    # updated once although its rows are in two batches.
    Learner.objects.create(institution=institution, student_id="S2", given_name="Maya", family_name="Old")
    text = HEADER + "".join(
        [
            line("S1", term="Fall 2025"),
            line("S1", term="Spring 2026"),
            line("S2", term="Fall 2025"),
            line("S1", term="Fall 2025", result="A"),
            line("S1", term="Summer 2026", given="Maia"),
            line("S1", term="Fall 2026"),
            line("S3", code="NOPE 1"),
            line("S2", term="Spring 2026"),
        ]
    )

    reports = [
        records_import(
            institution=institution, data=text.encode(), file_name="awards.csv", dry_run=True, batch_size=size
        )
        for size in (1000, 1, 2, 3)
    ]

    one_batch = outcome(reports[0])
    assert one_batch["problems"] == [
        "awards.csv line 5, column achievement_code: Duplicate of line 2: the same student, achievement and "
        "term appear twice.",
        "awards.csv line 6, column given_name: Student S1 has a different given_name on line 2.",
        "awards.csv line 8, column achievement_code: No achievement with the code 'NOPE 1' in the catalog.",
    ]
    assert one_batch["awards"] == (5, 0, 0) and one_batch["learners"] == (1, 1)
    assert [change["line"] for change in one_batch["preview"]] == [2, 3, 4, 7, 9]
    for report in reports[1:]:
        assert outcome(report) == one_batch
    assert not Award.objects.exists()  # dry runs


def test_a_file_full_of_problems_reports_the_first_and_counts_them_all(institution, course, monkeypatch):
    monkeypatch.setattr(bounded, "KEPT_PROBLEMS", 3)
    bad = "".join(line(f"S{n}", code=f"NOPE {n}") for n in range(1, 11))
    text = HEADER + bad + line("S99", result="Z")  # the last row has a problem of its own
    run = ImportRun.objects.create(institution=institution, original_name="awards.csv")

    report = records_import(
        institution=institution,
        data=text.encode(),
        file_name="awards.csv",
        dry_run=True,
        run=run,
        batch_size=4,
    )

    assert [problem.line for problem in report.problems] == [2, 3, 4]  # the first, in line order
    assert (report.problem_count, report.bad_lines, report.valid_rows) == (11, 11, 0)
    run.refresh_from_db()
    assert run.problem_count == 11 and len(run.problems) == 3


def test_problems_are_kept_in_line_order_whatever_order_they_arrive_in():
    log = ProblemLog("awards.csv", keep=2)
    for number in (9, 4, 7, 2, 8, 3, 5):
        log.append(Problem("awards.csv", number, "", f"line {number}"))
    log.append(Problem("users.csv", 0, "", "missing", blocking=True))  # past the cap, still kept
    log.append(Problem("awards.csv", 2, "term", "second problem of line 2"))

    assert [(p.line, p.message) for p in log.kept] == [
        (2, "line 2"),
        (2, "second problem of line 2"),
        (0, "missing"),
    ]
    assert (log.count, log.bad_lines, log.blocking) == (9, 7, True)
