"""SIS uploads checked and imported by a worker: the upload page answers at once and shows the progress.

A run moves queued → checking → previewed (the registrar reads the preview) → importing → imported, or
to rejected. Each step is a task that claims the run by its status, so running it twice is harmless; a
run whose task never reached the broker, or whose worker died, is sent again by the periodic sweep
(`imports_resume`) without anyone pressing a button. Importing is one transaction: a step that died
wrote nothing, and its run is simply tried again.
"""

import logging
import zipfile
from datetime import timedelta

from django.conf import settings
from django.core.cache import caches
from django.db import InterfaceError, OperationalError
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnreachable

from ..models import ImportFormat, ImportRun, ImportStatus
from . import detect_format, records_import
from .limits import ImportLimits, ImportRefused, check_archive

logger = logging.getLogger(__name__)

# A run left in one of these longer than this was dropped by its worker (or never reached one).
STALLED = {ImportStatus.QUEUED, ImportStatus.CHECKING, ImportStatus.IMPORTING}
NEXT_TASK = {ImportStatus.QUEUED: "check", ImportStatus.CHECKING: "check", ImportStatus.IMPORTING: "write"}
MAX_ATTEMPTS = 3
PROGRESS_KEPT = 3600  # seconds


def _send(run_id: int, step: str) -> None:
    from ..tasks import check_import, write_import

    task = check_import if step == "check" else write_import
    try:
        task.delay(run_id)
    except BrokerUnreachable as exc:
        logger.warning("broker unreachable, import run %s waits for the sweep: %s", run_id, exc)


def import_upload(*, institution, upload, actor) -> ImportRun:
    """Keep the uploaded file (privately) and have a worker check it. Call outside a transaction."""
    head = upload.read(4)
    upload.seek(0)
    run = ImportRun(
        institution=institution,
        uploaded_by=actor,
        original_name=upload.name[-255:],
        file_format=detect_format(head, upload.name),
        status=ImportStatus.QUEUED,
    )
    if run.file_format == ImportFormat.ONEROSTER and _zip_refused(upload, run.original_name):
        # A zip judged by its directory alone (a bomb, ../ names): refused now, and no file kept.
        upload.seek(0)
        records_import(
            institution=institution, stream=upload, file_name=run.original_name, dry_run=True, actor=actor,
            run=run,
        )  # fmt: skip
        return run
    upload.seek(0)
    run.file.save(upload.name, upload, save=False)  # streamed in chunks, not read into memory
    run.save()
    _send(run.pk, "check")
    return run


def _zip_refused(upload, file_name: str) -> bool:
    try:
        check_archive(zipfile.ZipFile(upload), file_name, ImportLimits.from_settings())
    except ImportRefused:
        return True
    except (zipfile.BadZipFile, OSError, ValueError):
        return False  # the worker's check says what is wrong with it
    return False


def import_confirm(*, run: ImportRun, valid_only: bool, actor) -> bool:
    """Start importing a checked run; False when it was already started (or is not checked)."""
    waiting = ImportRun.objects.filter(pk=run.pk, status=ImportStatus.PREVIEWED).exclude(file="")
    started = waiting.update(
        status=ImportStatus.IMPORTING,
        valid_only=valid_only,
        imported_by=actor,
        progress_done=0,
        progress_total=run.valid_rows,
        failure="",
        attempts=0,
        updated_at=timezone.now(),
    )
    if started:
        _send(run.pk, "write")
    return bool(started)


def _progress_key(run_id: int) -> str:
    return f"import-run-progress:{run_id}"


def progress_of(run: ImportRun) -> tuple[int, int]:
    """(rows done, rows in all) of a run in a worker's hands. The import's transaction is open until
    it ends, so the worker tells its progress through the progress cache, not the database."""
    told = caches["progress"].get(_progress_key(run.pk))
    return tuple(told) if told else (run.progress_done, run.progress_total)


def _progress(run: ImportRun):
    """Counts rows as the writer reports them: in the progress cache, and on the run saved at the end."""
    cache = caches["progress"]

    def started(total: int):
        run.progress_total, run.progress_done = total, 0
        cache.set(_progress_key(run.pk), (0, total), timeout=PROGRESS_KEPT)

        def advanced(rows: int) -> None:
            run.progress_done += rows
            cache.set(_progress_key(run.pk), (run.progress_done, total), timeout=PROGRESS_KEPT)

        return advanced

    return started


def _claim(run_id: int, *, expected: set[str], status: str) -> ImportRun | None:
    claimed = ImportRun.objects.filter(pk=run_id, status__in=expected).update(
        status=status, attempts=F("attempts") + 1, updated_at=timezone.now()
    )
    if not claimed:
        return None
    return ImportRun.objects.select_related("institution", "uploaded_by", "imported_by").get(pk=run_id)


def _give_up(run: ImportRun, reason: str) -> None:
    """A file that breaks the checker (not a problem of its rows), or whose worker keeps dying, is
    rejected with the reason and its SIS file deleted; the database holds nothing of it."""
    if run.file:
        run.file.delete(save=False)
    run.status = ImportStatus.REJECTED
    run.failure = f"{reason} Nothing was imported: upload the file again, or ask your administrator."
    run.finished_at = timezone.now()
    run.save()


def _take_step(run_id: int, *, expected: set[str], status: str, dry_run: bool, failure: str) -> str | None:
    run = _claim(run_id, expected=expected, status=status)
    if run is None:
        return None
    try:
        with run.file.open("rb") as stream:
            records_import(
                institution=run.institution,
                stream=stream,
                file_name=run.original_name,
                file_format=run.file_format,
                dry_run=dry_run,
                valid_only=run.valid_only and not dry_run,
                actor=run.uploaded_by if dry_run else run.imported_by or run.uploaded_by,
                run=run,
                progress=_progress(run),
            )
    except (OperationalError, InterfaceError):
        raise  # the task retries; the run keeps its status for the sweep meanwhile
    except Exception:
        # Any other failure is this file's: say so, keep nothing.
        logger.exception("import run %s: %s", run.pk, failure)
        _give_up(run, failure)
    return run.status


def import_check(*, run_id: int) -> str | None:
    """The dry run of a queued upload: its problems, and what importing it would change."""
    return _take_step(
        run_id, expected={ImportStatus.QUEUED, ImportStatus.CHECKING}, status=ImportStatus.CHECKING,
        dry_run=True, failure="The file could not be checked: the checker stopped on it.",
    )  # fmt: skip


def import_write(*, run_id: int) -> str | None:
    """Import a run the registrar confirmed, in one transaction, counting the rows written."""
    return _take_step(
        run_id, expected={ImportStatus.IMPORTING}, status=ImportStatus.IMPORTING, dry_run=False,
        failure="The import stopped with an error.",
    )  # fmt: skip


def imports_resume(*, older_than: timedelta | None = None) -> int:
    """Send again every run stalled in a worker's step; after MAX_ATTEMPTS a run is given up on."""
    if older_than is None:
        older_than = timedelta(seconds=settings.PORTAL_RESEND_QUEUED_AFTER)
    stalled = ImportRun.objects.filter(status__in=STALLED, updated_at__lt=timezone.now() - older_than)
    resumed = 0
    for run in stalled.select_related("institution"):
        if run.attempts >= MAX_ATTEMPTS:
            _give_up(run, f"The worker stopped {run.attempts} times while handling this file.")
            continue
        logger.warning("sweep: import run %s was left %s, sending it again", run.pk, run.status)
        ImportRun.objects.filter(pk=run.pk).update(updated_at=timezone.now())
        _send(run.pk, NEXT_TASK[run.status])
        resumed += 1
    return resumed
