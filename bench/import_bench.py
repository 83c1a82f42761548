"""Benchmark of the SIS import: 100,000 award CSV rows into an empty SQLite database.

Run as `python bench/import_bench.py [--rows N] [--repeat R]` from the repository root. Each repeat
imports the file into a fresh institution (learners and awards all new); the median time and rows per
second are printed beside the target (100,000 rows in under 30 s), then the queries per batch and
the time to re-import the same file (every row unchanged). Uses a throw-away SQLite file, or the
database in DATABASE_URL if set. `--memory` instead makes dry runs of 100,000 and 1,000,000 rows
(`--sizes`), each of a CSV file streamed from disk as the worker's check step reads an upload (its run
keeping the preview and the file of every change), each in a fresh process (peak RSS is a process's
whole life), and prints their peak resident memory beside the target: flat.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.django_setup import setup_django  # noqa: E402

TARGET_ROWS = 100_000
TARGET_SECONDS = 30.0
MEMORY_SIZES = [100_000, 1_000_000]
MEMORY_GROWTH = 0.30  # peak RSS of the largest size over the smallest's, at most
MEMORY_CEILING_MB = 250


def _csv_lines(rows: int):
    """Award rows like an SIS export: students taking five courses a term over eight terms."""
    from achievements.demo import COURSES, TERMS

    yield (
        "student_id,given_name,family_name,email,achievement_code,term,result,credits_earned,"
        "activity_start_date,activity_end_date,awarded_date\n"
    )
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
            yield (
                f"B{student:07d},Given{student},Family{student},b{student}@students.example.edu,{code},{term},"
                f"{grade},{earned},{start},{end},{end}\n"
            )
            count += 1


def _csv(rows: int) -> bytes:
    return "".join(_csv_lines(rows)).encode()


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


def _measure_memory(rows: int, directory: str) -> None:
    """The worker's check step: a dry run of a CSV streamed from disk, its run keeping the preview and
    the file of every change (in `directory`); prints a JSON line."""
    from achievements.imports import records_import
    from achievements.models import ImportRun

    path = Path(directory) / "bench.csv"
    with path.open("w", encoding="utf-8") as out:
        out.writelines(_csv_lines(rows))
    institution = _fresh_institution(0)
    run = ImportRun.objects.create(institution=institution, original_name="bench.csv")
    before = _peak_rss_mb()
    start, cpu_start = time.perf_counter(), time.process_time()
    with path.open("rb") as stream:
        report = records_import(
            institution=institution, stream=stream, file_name="bench.csv", dry_run=True, run=run
        )
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    assert report.valid_rows == rows and not report.problems and len(run.preview_rows) == 50, report
    result = {"rows": rows, "seconds": elapsed, "cpu": cpu, "peak_mb": _peak_rss_mb(), "before_mb": before}
    print(json.dumps(result))


def _memory_in_subprocess(rows: int) -> dict:
    """Peak RSS is per process: each size gets a fresh one (the row limit raised to let it in)."""
    env = {**os.environ, "PORTAL_IMPORT_MAX_ROWS": str(max(rows, 1))}
    command = [sys.executable, __file__, "--memory-child", "--rows", str(rows)]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"the dry run of {rows:,} rows failed (exit {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _memory(sizes: list[int]) -> bool:
    """Dry runs of each size, streamed from disk; True when peak RSS stays flat and under the ceiling."""
    print(
        f"SIS import memory: dry runs of {', '.join(f'{n:,}' for n in sizes)} rows streamed from a CSV "
        f"file, each in a fresh process (PORTAL_IMPORT_MAX_ROWS raised to the size)"
    )
    results = [_memory_in_subprocess(rows) for rows in sizes]
    for result in results:
        print(
            f"  {result['rows']:>9,} rows: {result['seconds']:7.2f} s ({result['cpu']:.2f} s CPU)  "
            f"peak RSS {result['peak_mb']:6.0f} MB  ({result['before_mb']:.0f} MB before the import)"
        )
    peaks = [result["peak_mb"] for result in results]
    growth = max(peaks) / min(peaks) - 1
    flat = growth <= MEMORY_GROWTH and max(peaks) < MEMORY_CEILING_MB
    print(
        f"peak RSS grows {growth:.0%} from {sizes[0]:,} to {sizes[-1]:,} rows, at most {max(peaks):.0f} MB"
        f"   target flat: within {MEMORY_GROWTH:.0%}, under {MEMORY_CEILING_MB} MB  "
        f"[{'OK' if flat else 'GROWS'}]"
    )
    return flat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=TARGET_ROWS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--memory",
        action="store_true",
        help="Dry runs of --sizes rows, each in its own process; print their peak RSS.",
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=MEMORY_SIZES, help="Row counts for --memory.")
    parser.add_argument("--memory-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory:
        sys.exit(0 if _memory(args.sizes) else 1)

    with tempfile.TemporaryDirectory() as database_dir:
        if args.memory_child:  # the run's file of changes goes in the throw-away directory
            os.environ["PORTAL_PRIVATE_MEDIA_ROOT"] = database_dir
        setup_django(database_dir)
        if args.memory_child:
            _measure_memory(args.rows, database_dir)
            return
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from achievements.imports import records_import
        from achievements.imports.engine import BATCH_SIZE

        data = _csv(args.rows)
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
