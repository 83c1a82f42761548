"""SIS uploads are checked and imported by a worker (issue 11, finding 8): the upload answers at once,
the run's page shows the progress, what importing would change, and the outcome; a run whose task was
lost or whose worker died is taken up again by the sweep, and a file that breaks the checker is rejected
with a reason and not kept."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerUnreachable

from achievements import tasks
from achievements.imports import background
from achievements.models import Award, ImportRun, ImportStatus
from institutions.models import AuditEntry
from tests.factories import make_achievement

pytestmark = pytest.mark.django_db

HEADER = "student_id,given_name,family_name,email,achievement_code,term,result,awarded_date\n"


def rows(count: int) -> str:
    return HEADER + "".join(
        f"S{n:05d},Learner,Number{n},s{n}@students.example.edu,CS 101,Fall 2025,B,2025-12-20\n"
        for n in range(1, count + 1)
    )


@pytest.fixture
def sent(monkeypatch):
    """The tasks the web process sends, held instead of run: the worker is the test."""
    held = []
    for task in (tasks.check_import, tasks.write_import):
        monkeypatch.setattr(task, "delay", lambda run_id, task=task: held.append((task.name, run_id)))
    return held


@pytest.fixture
def registrar(login, registrar_user, course):
    return login(registrar_user)


def upload(client, institution, text, name="awards.csv"):
    return client.post(
        f"/institutions/{institution.slug}/imports/",
        {"file": SimpleUploadedFile(name, text.encode(), content_type="text/csv")},
    )


def test_the_upload_answers_at_once_and_a_worker_checks_the_file(registrar, institution, sent):
    response = upload(registrar, institution, rows(120))

    run = ImportRun.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/imports/{run.pk}/")
    assert run.status == ImportStatus.QUEUED and run.file
    assert sent == [("achievements.tasks.check_import", run.pk)]
    waiting = registrar.get(response["Location"]).content.decode()
    assert "Waiting for a worker to check the file" in waiting
    assert '<meta http-equiv="refresh"' in waiting  # the page follows the worker, no script needed

    assert tasks.check_import(run.pk) == ImportStatus.PREVIEWED

    run.refresh_from_db()
    assert (run.rows, run.valid_rows, run.created, run.progress_total) == (120, 120, 120, 120)
    page = registrar.get(response["Location"]).content.decode()
    assert "refresh" not in page
    assert "The first 50 of 120 rows that create or change an award" in page
    assert "Number50" in page and "Number51" not in page
    changes = registrar.get(f"/institutions/{institution.slug}/imports/{run.pk}/changes.csv")
    assert changes.status_code == 200 and changes["Content-Disposition"].startswith("attachment")
    listed = list(csv.DictReader(io.StringIO(b"".join(changes.streaming_content).decode())))
    assert len(listed) == 120 and listed[119]["learner"] == "Learner Number120"
    assert {row["change"] for row in listed} == {"create"}
    assert AuditEntry.objects.filter(action="records.changes_downloaded", data__run=run.pk).exists()
    assert not Award.objects.exists()  # the check wrote nothing


def test_importing_is_the_workers_and_the_page_shows_the_outcome_and_the_next_step(
    registrar, institution, sent
):
    upload(registrar, institution, rows(30))
    run = ImportRun.objects.get()
    tasks.check_import(run.pk)

    response = registrar.post(f"/institutions/{institution.slug}/imports/{run.pk}/", {"mode": "all"})

    run.refresh_from_db()
    assert response.status_code == 302 and run.status == ImportStatus.IMPORTING
    assert "Importing…" in registrar.get(response["Location"]).content.decode()
    # A worker half-way tells its progress outside its (still open) transaction.
    background._progress(run)(30)(12)
    assert "12 of 30 rows written" in registrar.get(response["Location"]).content.decode()
    # Pressing again does not start a second import.
    registrar.post(f"/institutions/{institution.slug}/imports/{run.pk}/", {"mode": "all"})
    assert sent[1:] == [("achievements.tasks.write_import", run.pk)]

    assert tasks.write_import(run.pk) == ImportStatus.IMPORTED
    assert tasks.write_import(run.pk) is None  # a second delivery of the message is harmless

    run.refresh_from_db()
    assert Award.objects.count() == 30 and (run.progress_done, run.progress_total) == (30, 30)
    page = registrar.get(response["Location"]).content.decode()
    assert "Imported awards.csv: 30 awards created, 0 updated, 0 unchanged." in page
    assert "Issue credentials for these awards" in page
    assert "What the import changed" in page


def test_an_upload_made_while_the_broker_is_down_is_checked_once_the_sweep_finds_it(
    registrar, institution, monkeypatch
):
    def unreachable(run_id):
        raise BrokerUnreachable("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(tasks.check_import, "delay", unreachable)
    response = upload(registrar, institution, rows(3))

    run = ImportRun.objects.get()
    assert response.status_code == 302 and run.status == ImportStatus.QUEUED
    assert background.imports_resume() == 0  # not yet: its message may still be on its way

    monkeypatch.undo()  # the broker is back; tasks run eagerly in the tests
    ImportRun.objects.filter(pk=run.pk).update(updated_at=timezone.now() - timedelta(minutes=10))
    assert background.imports_resume() == 1

    run.refresh_from_db()
    assert run.status == ImportStatus.PREVIEWED and run.valid_rows == 3


def test_a_run_whose_worker_keeps_dying_is_given_up_with_a_reason_and_its_file_deleted(
    registrar, institution, sent
):
    upload(registrar, institution, rows(3))
    run = ImportRun.objects.get()
    stored = run.file.path
    ImportRun.objects.filter(pk=run.pk).update(status=ImportStatus.CHECKING, attempts=background.MAX_ATTEMPTS)
    ImportRun.objects.filter(pk=run.pk).update(updated_at=timezone.now() - timedelta(minutes=10))

    background.imports_resume()

    run.refresh_from_db()
    assert run.status == ImportStatus.REJECTED and not run.file
    assert "The worker stopped 3 times" in run.failure
    import os

    assert not os.path.exists(stored)
    page = registrar.get(f"/institutions/{institution.slug}/imports/{run.pk}/").content.decode()
    assert "The worker stopped 3 times while handling this file" in page


def test_a_file_that_breaks_the_checker_is_rejected_with_a_reason_not_a_500(
    registrar, institution, sent, monkeypatch
):
    upload(registrar, institution, rows(3))
    run = ImportRun.objects.get()

    def broken(**kwargs):
        raise ValueError("an unexpected shape")

    monkeypatch.setattr(background, "records_import", broken)
    assert tasks.check_import(run.pk) == ImportStatus.REJECTED

    run.refresh_from_db()
    assert not run.file and "could not be checked" in run.failure
    page = registrar.get(f"/institutions/{institution.slug}/imports/{run.pk}/")
    assert page.status_code == 200 and "could not be checked" in page.content.decode()


def test_the_list_of_changes_belongs_to_its_institution(
    client, login, registrar_user, other_institution, sent
):
    make_achievement(other_institution, "CS 101")
    from tests.factories import MembershipFactory

    theirs = MembershipFactory(institution=other_institution, role="registrar").user
    their_client = login(theirs)
    upload(their_client, other_institution, rows(2))
    run = ImportRun.objects.get()
    tasks.check_import(run.pk)

    mine = login(registrar_user)
    assert mine.get(f"/institutions/{other_institution.slug}/imports/{run.pk}/changes.csv").status_code == 403
