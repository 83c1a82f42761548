"""SIS imports: the portal's award CSV and OneRoster 1.2 CSV bundles, checked before anything is written."""

import csv
import io
import tempfile
from collections.abc import Callable
from typing import BinaryIO

from django.core.files import File
from django.utils import timezone

from institutions.models import Institution
from institutions.services import audit_record

from ..models import AwardSource, ImportFormat, ImportRun, ImportStatus
from .csv_awards import read_award_csv
from .engine import BATCH_SIZE, Catalog, ImportReport, check_rows, write_rows
from .limits import ImportLimits, ImportRefused, text_stream
from .oneroster import read_oneroster_zip
from .rows import Problem

__all__ = ["ImportReport", "Problem", "detect_format", "records_import"]

STORED_PROBLEMS = 1000


PREVIEW_ROWS = 50
CHANGE_COLUMNS = ["line", "change", "student_id", "learner", "achievement", "term", "result", "credits"]


def _change(action: str, row) -> dict:
    return {
        "line": row.line, "change": action, "student_id": row.student_id,
        "learner": f"{row.given_name} {row.family_name}".strip(), "achievement": row.achievement_code,
        "term": row.term, "result": row.result,
        "credits": "" if row.credits_earned is None else str(row.credits_earned),
    }  # fmt: skip


def _record_changes(run: ImportRun, changes: list) -> None:
    """Keep what the check found the file would change: the first rows on the run, all in a CSV file."""
    run.preview_rows = [_change(action, row) for action, row in changes[:PREVIEW_ROWS]]
    if run.changes_file:
        run.changes_file.delete(save=False)
    if not changes:
        return
    with tempfile.SpooledTemporaryFile(max_size=1 << 20, mode="w+b") as spooled:
        text = io.TextIOWrapper(spooled, encoding="utf-8", newline="")
        writer = csv.DictWriter(text, fieldnames=CHANGE_COLUMNS)
        writer.writeheader()
        for action, row in changes:
            writer.writerow(_change(action, row))
        text.flush()
        spooled.seek(0)
        run.changes_file.save("changes.csv", File(spooled), save=False)
        text.detach()


def detect_format(data: bytes, file_name: str = "") -> str:
    """A zip is a OneRoster bundle; anything else is read as the award CSV."""
    if data[:4] == b"PK\x03\x04" or file_name.lower().endswith(".zip"):
        return ImportFormat.ONEROSTER
    return ImportFormat.CSV


def records_import(
    *,
    institution: Institution,
    data: bytes | None = None,
    stream: BinaryIO | None = None,
    file_name: str,
    file_format: str | None = None,
    dry_run: bool = False,
    valid_only: bool = False,
    actor=None,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], Callable[[int], None]] | None = None,
    run: ImportRun | None = None,
) -> ImportReport:
    """Check a file and, unless it is a dry run, write its awards (atomically, in batches).

    With problems in the file nothing is written, unless `valid_only` asks to write the rows that have
    none (the others are reported); a problem with the file itself (`Problem.blocking`) leaves no row to
    write. Courses a OneRoster bundle brings that the catalog lacks are created, and its academic sessions
    recorded as terms, in the same transaction (a dry run rolls them back). `progress(total)` may return
    a callable told how many rows each written batch held. The outcome is recorded on `run` (an
    ImportRun), created when not given; a rejected run's stored file is deleted. A file beyond a bound
    of the PORTAL_IMPORT_* settings (a zip bomb, too many rows, …) is refused: `report.refused`, the run
    rejected even on a dry run.
    """
    if stream is None:
        stream = io.BytesIO(data)
    head = stream.read(4)
    stream.seek(0)
    file_format = file_format or detect_format(head, file_name)
    catalog = Catalog(institution)
    limits = ImportLimits.from_settings()
    terms = []
    refused = False
    source = AwardSource.ONEROSTER if file_format == ImportFormat.ONEROSTER else AwardSource.SIS_IMPORT
    try:
        if file_format == ImportFormat.ONEROSTER:
            bundle = read_oneroster_zip(stream, file_name=file_name, catalog=catalog, limits=limits)
            rows, problems, count, terms = bundle.rows, bundle.problems, bundle.count, bundle.terms
            catalog.plan(bundle.new_courses)
        else:
            rows, problems, count = read_award_csv(text_stream(stream), file_name=file_name, limits=limits)
    except ImportRefused as refusal:
        rows, problems, count, terms, refused = [], refusal.problems, 0, [], True
    good, more = check_rows(rows, catalog)
    problems = sorted(problems + more, key=lambda p: (p.file != file_name, p.file, p.line))
    blocked = any(problem.blocking for problem in problems)
    if blocked:
        good = []  # every row depends on the missing file or column
    report = ImportReport(
        file_name=file_name,
        file_format=file_format,
        rows=count,
        valid_rows=len(good),
        problems=problems,
        new_achievements=list(catalog.planned),
        dry_run=dry_run,
        valid_only=valid_only,
        refused=refused,
    )
    # A dry run from the command line leaves no trace; the upload page passes the run it shows.
    keep_run = run is not None or not dry_run
    if run is None:
        run = ImportRun(institution=institution, uploaded_by=actor if getattr(actor, "pk", None) else None)
    run.original_name = file_name
    run.file_format = file_format
    # A dry run writes the valid rows and rolls back, to tell what importing them would change.
    brings = bool(good or catalog.planned or terms)
    may_write = brings and not blocked and (dry_run or not problems or valid_only)

    def record(status: str) -> None:
        if not keep_run:
            return
        run.status = status
        run.valid_only = valid_only
        run.rows, run.valid_rows, run.problem_count = report.rows, report.valid_rows, len(problems)
        run.created, run.updated, run.unchanged = report.created, report.updated, report.unchanged
        run.skipped = report.skipped if status == ImportStatus.IMPORTED else 0
        run.problems = [p.as_dict() for p in problems[:STORED_PROBLEMS]]
        run.new_achievements = [course.as_dict() for course in report.new_achievements]
        if status == ImportStatus.PREVIEWED:
            _record_changes(run, report.changes)
        else:
            run.finished_at = timezone.now()
        if status == ImportStatus.REJECTED:
            # Nothing was imported: the SIS file (names, e-mails, grades) is not kept; its problems are.
            if run.file:
                run.file.delete(save=False)
            _record_changes(run, [])
        run.save()

    if not may_write:
        # A dry run still counts what would change, so the preview can say so; a refused file is done with.
        record(ImportStatus.PREVIEWED if dry_run and not refused else ImportStatus.REJECTED)
        if not dry_run or (refused and keep_run):
            audit_record(
                actor=actor,
                action="records.import_rejected",
                institution=institution,
                target=file_name,
                rows=report.rows,
                problems=len(problems),
            )
        return report

    def after_write() -> None:
        if dry_run:
            return
        record(ImportStatus.IMPORTED)
        audit_record(
            actor=actor,
            action="records.imported",
            institution=institution,
            target=file_name,
            rows=report.rows,
            created=report.created,
            updated=report.updated,
            unchanged=report.unchanged,
            skipped_rows_with_problems=report.skipped if valid_only else 0,
            new_achievements=[course.code for course in report.new_achievements],
            terms_created=report.terms_created,
            terms_updated=report.terms_updated,
        )

    updater = progress(len(good)) if progress else None
    write_rows(
        institution=institution,
        good=good,
        catalog=catalog,
        report=report,
        source=source,
        actor=actor,
        dry_run=dry_run,
        batch_size=batch_size,
        progress=updater,
        after_write=after_write,
        terms=terms,
    )
    if dry_run:
        record(ImportStatus.PREVIEWED)
    return report
