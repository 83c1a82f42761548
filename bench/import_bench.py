"""Benchmark of the SIS import: 100,000 award CSV rows into an empty SQLite database.

Run as `python bench/import_bench.py [--rows N] [--repeat R]` from the repository root. Each repeat
imports the file into a fresh institution (learners and awards all new); the median time and rows per
second are printed beside the target (100,000 rows in under 30 s), then the queries per batch and
the time to re-import the same file (every row unchanged). Uses a throw-away SQLite file, or the
database in DATABASE_URL if set. `--memory` instead makes one dry run and prints the process's peak
resident memory (run it alone: the peak is the process's whole life).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.django_setup import setup_django  # noqa: E402

TARGET_ROWS = 100_000
TARGET_SECONDS = 30.0


def _csv(rows: int) -> bytes:
    """Award rows like an SIS export: students taking five courses a term over eight terms."""
    from achievements.demo import COURSES, TERMS

    lines = [
        "student_id,given_name,family_name,email,achievement_code,term,result,credits_earned,"
        "activity_start_date,activity_end_date,awarded_date"
    ]
    grades = ["A", "A-", "B+", "B", "B-", "C+", "C", "C-", "D", "F", "B", "A"]
    count = 0
    student = 0
    while count < rows:
        student += 1
        for index, (code, _name, credits, _field) in enumerate(COURSES):
            if count == rows:
                break
            term, start, end = TERMS[index // 5]
            grade = grades[(student * 7 + index) % len(grades)]
            earned = 0 if grade == "F" else credits
            lines.append(
                f"B{student:07d},Given{student},Family{student},b{student}@students.example.edu,{code},{term},"
                f"{grade},{earned},{start},{end},{end}"
            )
            count += 1
    return ("\n".join(lines) + "\n").encode()


def _fresh_institution(number: int):
    from achievements.demo import seed_catalog
    from institutions.services import institution_create

    slug = f"bench-{number}-{time.time_ns()}"
    institution = institution_create(slug=slug, name=slug, with_keys=False)
    seed_catalog(institution=institution)
    return institution


def _peak_rss_mb() -> float:
    # Linux gives ru_maxrss in kilobytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _peak_memory(data: bytes, rows: int) -> None:
    from achievements.imports import records_import

    institution = _fresh_institution(0)
    before = _peak_rss_mb()
    start = time.perf_counter()
    report = records_import(institution=institution, data=data, file_name="bench.csv", dry_run=True)
    elapsed = time.perf_counter() - start
    assert report.valid_rows == rows and not report.problems, report
    print(
        f"dry run of {rows:,} rows: {elapsed:.2f} s, peak RSS {_peak_rss_mb():,.0f} MB "
        f"({before:,.0f} MB before the import, the CSV in memory included)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=TARGET_ROWS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--memory", action="store_true", help="One dry run; print the peak RSS.")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as database_dir:
        setup_django(database_dir)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from achievements.imports import records_import
        from achievements.imports.engine import BATCH_SIZE

        data = _csv(args.rows)
        if args.memory:
            _peak_memory(data, args.rows)
            return
        print(
            f"SIS import benchmark: {args.rows:,} award rows ({len(data) / 1e6:.1f} MB CSV), "
            f"database {connection.vendor}, batch size {BATCH_SIZE}, "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
        )
        times = []
        institution = None
        for number in range(args.repeat):
            institution = _fresh_institution(number)
            start = time.perf_counter()
            report = records_import(institution=institution, data=data, file_name="bench.csv")
            elapsed = time.perf_counter() - start
            assert report.written and report.created == args.rows and not report.problems, report
            times.append(elapsed)
            print(f"  run {number + 1}: {elapsed:6.2f} s  ({args.rows / elapsed:,.0f} rows/s)")
        median = statistics.median(times)
        target = TARGET_SECONDS * args.rows / TARGET_ROWS
        verdict = "OK" if median < target else "TOO SLOW"
        print(
            f"import (all new)   median {median:6.2f} s  {args.rows / median:>9,.0f} rows/s   "
            f"target < {target:.1f} s  [{verdict}]"
        )

        start = time.perf_counter()
        report = records_import(institution=institution, data=data, file_name="bench.csv")
        elapsed = time.perf_counter() - start
        assert report.unchanged == args.rows, report
        print(f"re-import (no change)    {elapsed:6.2f} s  {args.rows / elapsed:>9,.0f} rows/s")

        # Queries per batch, counted on a smaller file (capturing slows the database layer down).
        sample_rows = min(args.rows, 10 * BATCH_SIZE)
        sample = _csv(sample_rows)
        counted = _fresh_institution(99)
        with CaptureQueriesContext(connection) as captured:
            records_import(institution=counted, data=sample, file_name="sample.csv")
        batches = -(-sample_rows // BATCH_SIZE)
        queries = len(captured.captured_queries)
        with CaptureQueriesContext(connection) as captured_again:
            records_import(institution=counted, data=sample, file_name="sample.csv")
        print(
            f"queries: {queries} for {sample_rows:,} new rows in {batches} batches "
            f"(~{queries / batches:.1f} per batch, fixed cost included); "
            f"{len(captured_again.captured_queries)} to re-import them  [target: constant per batch]"
        )
        if median >= target:
            sys.exit(1)


if __name__ == "__main__":
    main()
