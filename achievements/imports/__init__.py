"""SIS imports: the portal's award CSV and OneRoster 1.2 CSV bundles, checked before anything is written."""

import contextlib
import io
from collections.abc import Callable
from typing import BinaryIO

from django.core.files import File
from django.utils import timezone

from institutions.models import Institution
from institutions.services import audit_record

from ..models import AwardSource, ImportFormat, ImportRun, ImportStatus
from .bounded import PREVIEW_ROWS, ChangeLog, CheckedRows, ProblemLog
from .csv_awards import award_csv_rows
from .engine import BATCH_SIZE, Catalog, ImportReport, check_rows, write_rows
from .limits import ImportLimits, ImportRefused, text_stream
from .oneroster import read_oneroster_zip
from .rows import Problem, TermRow

__all__ = ["PREVIEW_ROWS", "ImportReport", "Problem", "detect_format", "records_import"]

STORED_PROBLEMS = 1000


def _record_changes(run: ImportRun, changes: ChangeLog | None) -> None:
    """Keep what the check found the file would change: the first rows on the run, all in a CSV file."""
    run.preview_rows = changes.preview if changes else []
    if run.changes_file:
        run.changes_file.delete(save=False)
    every_change = changes.csv_file() if changes else None
    if every_change is not None:
        run.changes_file.save("changes.csv", File(every_change), save=False)


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
    with contextlib.ExitStack() as stack:
        good = stack.enter_context(CheckedRows())
        # Every change goes to a file only for a preview the upload page shows.
        changes = stack.enter_context(ChangeLog(to_file=dry_run and run is not None))
        return _import(
            institution=institution, stream=stream, file_name=file_name, file_format=file_format,
            dry_run=dry_run, valid_only=valid_only, actor=actor, batch_size=batch_size, progress=progress,
            run=run, good=good, changes=changes,
        )  # fmt: skip


def _check(
    stream: BinaryIO,
    *,
    file_name: str,
    file_format: str,
    catalog: Catalog,
    good: CheckedRows,
    batch_size: int,
) -> tuple[ProblemLog, int, list[TermRow], bool]:
    """Read and check the file: (its problems, its rows, the terms it brings, whether it was refused).

    The rows fit to write go to `good`; courses a bundle brings are planned in the catalog.
    """
    limits = ImportLimits.from_settings()
    problems = ProblemLog(file_name)
    terms: list[TermRow] = []
    try:
        if file_format == ImportFormat.ONEROSTER:
            bundle = read_oneroster_zip(stream, file_name=file_name, catalog=catalog, limits=limits)
            problems.extend(bundle.problems)
            catalog.plan(bundle.new_courses)
            rows, terms = bundle.rows, bundle.terms
        else:
            rows = award_csv_rows(text_stream(stream), file_name=file_name, limits=limits, problems=problems)
        count = check_rows(rows, catalog, problems=problems, checked=good, batch_size=batch_size)
    except ImportRefused as refusal:
        good.clear()
        problems = ProblemLog(file_name)
        problems.extend(refusal.problems)
        return problems, 0, [], True
    return problems, count, terms, False


def _import(
    *, institution, stream, file_name, file_format, dry_run, valid_only, actor, batch_size, progress, run,
    good: CheckedRows, changes: ChangeLog,
) -> ImportReport:  # fmt: skip
    """records_import's work, given the temporary stores of the rows fit to write and the changes."""
    catalog = Catalog(institution)
    problems, count, terms, refused = _check(
        stream,
        file_name=file_name,
        file_format=file_format,
        catalog=catalog,
        good=good,
        batch_size=batch_size,
    )
    source = AwardSource.ONEROSTER if file_format == ImportFormat.ONEROSTER else AwardSource.SIS_IMPORT
    blocked = problems.blocking
    if blocked:
        good.clear()  # every row depends on the missing file or column
    report = ImportReport(
        file_name=file_name,
        file_format=file_format,
        rows=count,
        valid_rows=good.count,
        problems=problems.kept,
        problem_count=problems.count,
        bad_lines=problems.bad_lines,
        new_achievements=list(catalog.planned),
        dry_run=dry_run,
        valid_only=valid_only,
        refused=refused,
        changes=changes,
    )
    # A dry run from the command line leaves no trace; the upload page passes the run it shows.
    keep_run = run is not None or not dry_run
    if run is None:
        run = ImportRun(institution=institution, uploaded_by=actor if getattr(actor, "pk", None) else None)
    run.original_name = file_name
    run.file_format = file_format
    # A dry run writes the valid rows and rolls back, to tell what importing them would change.
    brings = bool(good.count or catalog.planned or terms)
    may_write = brings and not blocked and (dry_run or not problems or valid_only)

    def record(status: str) -> None:
        if not keep_run:
            return
        run.status = status
        run.valid_only = valid_only
        run.rows, run.valid_rows, run.problem_count = report.rows, report.valid_rows, problems.count
        run.created, run.updated, run.unchanged = report.created, report.updated, report.unchanged
        run.skipped = report.skipped if status == ImportStatus.IMPORTED else 0
        run.problems = [p.as_dict() for p in report.problems[:STORED_PROBLEMS]]
        run.new_achievements = [course.as_dict() for course in report.new_achievements]
        if status == ImportStatus.PREVIEWED:
            _record_changes(run, report.changes)
        else:
            run.finished_at = timezone.now()
        if status == ImportStatus.REJECTED:
            # Nothing was imported: the SIS file (names, e-mails, grades) is not kept; its problems are.
            if run.file:
                run.file.delete(save=False)
            _record_changes(run, None)
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
                problems=problems.count,
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

    updater = progress(good.count) if progress else None
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
