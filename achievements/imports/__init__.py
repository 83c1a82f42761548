"""SIS imports: the portal's award CSV and OneRoster 1.2 CSV bundles, checked before anything is written."""

import io
from collections.abc import Callable

from django.utils import timezone

from institutions.models import Institution
from institutions.services import audit_record

from ..models import AwardSource, ImportFormat, ImportRun, ImportStatus
from .csv_awards import read_award_csv, text_lines
from .engine import BATCH_SIZE, Catalog, ImportReport, check_rows, write_rows
from .limits import ImportLimits, ImportRefused
from .oneroster import read_oneroster_zip
from .rows import Problem

__all__ = ["ImportReport", "Problem", "detect_format", "records_import"]

STORED_PROBLEMS = 1000


def detect_format(data: bytes, file_name: str = "") -> str:
    """A zip is a OneRoster bundle; anything else is read as the award CSV."""
    if data[:4] == b"PK\x03\x04" or file_name.lower().endswith(".zip"):
        return ImportFormat.ONEROSTER
    return ImportFormat.CSV


def records_import(
    *,
    institution: Institution,
    data: bytes,
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
    file_format = file_format or detect_format(data, file_name)
    catalog = Catalog(institution)
    limits = ImportLimits.from_settings()
    terms = []
    refused = False
    source = AwardSource.ONEROSTER if file_format == ImportFormat.ONEROSTER else AwardSource.SIS_IMPORT
    try:
        if file_format == ImportFormat.ONEROSTER:
            bundle = read_oneroster_zip(io.BytesIO(data), file_name=file_name, catalog=catalog, limits=limits)
            rows, problems, count, terms = bundle.rows, bundle.problems, bundle.count, bundle.terms
            catalog.plan(bundle.new_courses)
        else:
            rows, problems, count = read_award_csv(text_lines(data), file_name=file_name, limits=limits)
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
        if status != ImportStatus.PREVIEWED:
            run.finished_at = timezone.now()
        if status == ImportStatus.REJECTED and run.file:
            # Nothing was imported: the SIS file (names, e-mails, grades) is not kept; its problems are.
            run.file.delete(save=False)
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
