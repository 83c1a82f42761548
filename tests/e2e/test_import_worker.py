"""An SIS upload checked and imported by a real worker, through the broker: the web request only stores
the file, and the run page follows the worker from the check to the import."""

import pytest

from achievements.models import Award, ImportRun, ImportStatus
from tests.factories import MembershipFactory, make_achievement
from tests.processes import log_text, wait_until

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HEADER = "student_id,given_name,family_name,email,achievement_code,term,result,awarded_date\n"


def awards_csv(count: int) -> bytes:
    return (
        HEADER
        + "".join(
            f"S{n:05d},Learner,Number{n},s{n}@students.example.edu,CS 101,Fall 2025,B,2025-12-20\n"
            for n in range(1, count + 1)
        )
    ).encode()


def status_becomes(run, status, workers, timeout=90):
    def reached():
        run.refresh_from_db()
        return run.status == status

    wait_until(
        reached, timeout=timeout, interval=0.2, what=f"import run {run.pk} to be {status}: {workers.logs()}"
    )


def test_a_worker_checks_and_imports_an_upload_while_the_page_follows(workers, client, institution, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.PORTAL_PRIVATE_MEDIA_ROOT = workers.var_dir / "private"  # the file the worker opens
    make_achievement(institution, "CS 101")
    registrar = MembershipFactory(institution=institution, role="registrar").user
    client.force_login(registrar)
    worker = workers.start("importer", beat=True)

    response = client.post(
        f"/institutions/{institution.slug}/imports/",
        {"file": SimpleUploadedFile("awards.csv", awards_csv(500), content_type="text/csv")},
    )

    assert response.status_code == 302
    run = ImportRun.objects.get()
    status_becomes(run, ImportStatus.PREVIEWED, workers)
    assert (run.rows, run.valid_rows, run.created) == (500, 500, 500)
    assert "The first 50 of 500 rows" in client.get(response["Location"]).content.decode()
    assert not Award.objects.exists()

    client.post(response["Location"], {"mode": "all"})
    status_becomes(run, ImportStatus.IMPORTED, workers)

    assert Award.objects.filter(institution=institution).count() == 500
    assert "achievements.tasks.write_import" in log_text(worker)
    page = client.get(response["Location"]).content.decode()
    assert "Imported awards.csv: 500 awards created" in page
