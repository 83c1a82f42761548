"""SIS files and evidence are private files: no URL of their storage path, only views that check who asks.

Achievement images and logos stay public, at the URLs the credential documents carry (issue 11, finding 11).
"""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import Image

from achievements.models import Evidence, ImportRun, ImportStatus
from achievements.selectors import achievement_version_document
from achievements.services import award_create
from tests.factories import make_achievement

pytestmark = pytest.mark.django_db

HEADER = "student_id,given_name,family_name,email,achievement_code,term,result,awarded_date\n"
GOOD = "S1,Maya,Chen,maya@students.example.edu,CS 101,Fall 2025,A,2025-12-20\n"
BAD_CODE = "S4,Liam,Smith,liam@students.example.edu,CS 999,Fall 2025,A,2025-12-20\n"


def files_under(root) -> list[Path]:
    return sorted(path for path in Path(root).rglob("*") if path.is_file())


def upload(client, institution, text, name="sample.csv"):
    response = client.post(
        f"/institutions/{institution.slug}/imports/",
        {"file": SimpleUploadedFile(name, text.encode(), content_type="text/csv")},
    )
    assert response.status_code == 302, response.content[:300]
    return ImportRun.objects.latest("pk")


def png(name="image.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 40, 40)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def registrar(login, registrar_user, course):
    return login(registrar_user)


# --- SIS import files ------------------------------------------------------------------------------------


def test_an_uploaded_sis_file_is_at_no_media_url_and_not_under_media_root(registrar, institution, client):
    run = upload(registrar, institution, HEADER + GOOD)  # `registrar` is `client`, signed in

    assert run.file.name.startswith("imports/")
    assert files_under(settings.MEDIA_ROOT) == []
    # The SIS file, and the list of what importing it would change, which holds the same personal data.
    assert files_under(settings.PORTAL_PRIVATE_MEDIA_ROOT) == sorted(
        Path(settings.PORTAL_PRIVATE_MEDIA_ROOT) / name for name in (run.file.name, run.changes_file.name)
    )
    for who in ("registrar", "anonymous"):
        if who == "anonymous":
            client.logout()
        assert client.get(f"/media/{run.file.name}").status_code == 404, who


def test_the_institutions_registrar_downloads_the_import_file_as_an_attachment(registrar, institution):
    run = upload(registrar, institution, HEADER + GOOD)

    response = registrar.get(f"/institutions/{institution.slug}/imports/{run.pk}/file")

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="sample.csv"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content).decode() == HEADER + GOOD
    # Who downloaded the learners' names, e-mails and grades is kept.
    from institutions.models import AuditEntry

    assert AuditEntry.objects.filter(action="records.file_downloaded", data__run=run.pk).count() == 1


def test_the_import_preview_links_to_the_uploaded_file(registrar, institution):
    run = upload(registrar, institution, HEADER + GOOD)
    html = registrar.get(f"/institutions/{institution.slug}/imports/{run.pk}/").content.decode()
    assert f'href="/institutions/{institution.slug}/imports/{run.pk}/file"' in html


def test_a_registrar_of_another_institution_does_not_get_the_import_file(
    registrar, institution, other_institution, login
):
    from institutions.models import Role
    from tests.factories import MembershipFactory

    run = upload(registrar, institution, HEADER + GOOD)
    other = login(MembershipFactory(institution=other_institution, role=Role.REGISTRAR).user)

    assert other.get(f"/institutions/{other_institution.slug}/imports/{run.pk}/file").status_code == 404
    assert other.get(f"/institutions/{institution.slug}/imports/{run.pk}/file").status_code == 403


def test_an_anonymous_visitor_is_sent_to_log_in_for_the_import_file(registrar, institution, client):
    run = upload(registrar, institution, HEADER + GOOD)
    client.logout()

    response = client.get(f"/institutions/{institution.slug}/imports/{run.pk}/file")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_rejected_import_deletes_its_file_and_keeps_its_problems(registrar, institution):
    run = upload(registrar, institution, HEADER + GOOD + BAD_CODE)
    assert files_under(settings.PORTAL_PRIVATE_MEDIA_ROOT)

    registrar.post(f"/institutions/{institution.slug}/imports/{run.pk}/", {"mode": "all"})

    run.refresh_from_db()
    assert run.status == ImportStatus.REJECTED
    assert run.problem_count == 1 and "CS 999" in run.problems[0]["message"]
    assert not run.file
    assert files_under(settings.PORTAL_PRIVATE_MEDIA_ROOT) == []
    assert registrar.get(f"/institutions/{institution.slug}/imports/{run.pk}/file").status_code == 404
    assert "CS 999" in registrar.get(f"/institutions/{institution.slug}/imports/{run.pk}/").content.decode()


def test_an_upload_whose_check_fails_leaves_no_file_behind(registrar, institution, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("the check broke")

    monkeypatch.setattr("achievements.imports.background.records_import", broken)
    response = registrar.post(
        f"/institutions/{institution.slug}/imports/",
        {"file": SimpleUploadedFile("sample.csv", (HEADER + GOOD).encode(), content_type="text/csv")},
    )
    assert response.status_code == 302  # the worker's check broke, not the upload
    assert "could not be checked" in registrar.get(response["Location"]).content.decode()
    assert files_under(settings.PORTAL_PRIVATE_MEDIA_ROOT) == []
    assert files_under(settings.MEDIA_ROOT) == []


# --- evidence --------------------------------------------------------------------------------------------


def record_award_with_evidence(registrar, institution, course, learner, **overrides):
    data = {
        "achievement": course.pk, "term": "Fall 2025", "result": "B+", "credits_earned": "4",
        "activity_start_date": "2025-09-01", "activity_end_date": "2025-12-15", "awarded_date": "2025-12-20",
        "evidence_file": SimpleUploadedFile("project.html", b"<script>alert(1)</script>", content_type="text/html"),
        **overrides,
    }  # fmt: skip
    return registrar.post(f"/institutions/{institution.slug}/learners/{learner.pk}/awards", data)


def test_an_evidence_file_is_served_at_its_capability_url_as_an_attachment_to_anyone_holding_it(
    registrar, institution, course, learner, client
):
    assert record_award_with_evidence(registrar, institution, course, learner).status_code == 302
    evidence = Evidence.objects.get()
    url = evidence.file_url

    assert url == f"/evidence/{evidence.uuid}/project.html"
    assert f'href="{url}"' in registrar.get(learner.get_absolute_url()).content.decode()
    client.logout()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="project.html"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == b"<script>alert(1)</script>"


def test_the_evidence_of_a_withdrawn_award_is_gone_from_its_capability_url(
    registrar, institution, course, learner, client
):
    """Withdrawn (recorded in error, say): the credentials carrying the URL are revoked, the file stops."""
    from achievements.services import award_withdraw

    record_award_with_evidence(registrar, institution, course, learner)
    evidence = Evidence.objects.select_related("award").get()
    award_withdraw(award=evidence.award, reason="Recorded for the wrong student")
    client.logout()

    response = client.get(evidence.file_url)

    assert response.status_code == 410
    body = response.content.decode()
    assert "withdrew</strong> the award" in body and "<script>" not in body
    assert response["Cache-Control"] == "private, no-store"


def test_an_evidence_file_is_not_at_its_storage_path_nor_under_another_name(
    registrar, institution, course, learner, client
):
    record_award_with_evidence(registrar, institution, course, learner)
    evidence = Evidence.objects.get()

    assert evidence.file.name.startswith("achievements/evidence/")
    assert files_under(settings.MEDIA_ROOT) == []
    assert client.get(f"/media/{evidence.file.name}").status_code == 404
    assert client.get(f"/evidence/{evidence.uuid}/other.html").status_code == 404
    assert client.get("/evidence/00000000-0000-4000-8000-000000000000/project.html").status_code == 404


def test_an_award_that_is_not_recorded_leaves_no_evidence_file(registrar, institution, course, learner):
    response = record_award_with_evidence(registrar, institution, course, learner, result="Z")
    assert response.status_code == 400
    assert files_under(settings.PORTAL_PRIVATE_MEDIA_ROOT) == []
    assert files_under(settings.MEDIA_ROOT) == []


# --- public assets ---------------------------------------------------------------------------------------


def test_an_achievement_image_is_public_at_the_url_its_document_carries(institution, client):
    achievement = make_achievement(institution, "ART 100", image=png("badge.png"), image_caption="A badge")
    document = achievement_version_document(version=achievement.current_version)

    assert document.image.id.startswith(settings.PORTAL_BASE_URL + "/media/achievements/images/")
    response = client.get(document.image.id.removeprefix(settings.PORTAL_BASE_URL))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "public" in response["Cache-Control"] and "max-age=" in response["Cache-Control"]
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_public_media_serves_nothing_outside_the_folders_of_public_assets(client):
    public = storages["default"]
    public.save("imports/2025/11/sample.csv", ContentFile(b"student_id\nS1\n"))
    public.save("achievements/images/note.html", ContentFile(b"<script></script>"))
    public.save("achievements/images/ok.png", ContentFile(b"\x89PNG"))

    assert client.get("/media/imports/2025/11/sample.csv").status_code == 404
    assert client.get("/media/achievements/images/../../imports/2025/11/sample.csv").status_code == 404
    assert (
        client.get("/media/achievements/images/%2e%2e/%2e%2e/imports/2025/11/sample.csv").status_code == 404
    )
    assert client.get("/media/achievements/images/note.html").status_code == 404
    assert client.get("/media/achievements/images/ok.png").status_code == 200


# --- files uploaded before they were private --------------------------------------------------------------


def test_move_private_files_moves_import_and_evidence_files_out_of_media_root_and_can_run_again(
    institution, course, learner
):
    public = storages["default"]
    award = award_create(learner=learner, achievement=course, term="Fall 2025", result="A")
    evidence = Evidence.objects.create(award=award, name="Essay")
    imported = ImportRun.objects.create(
        institution=institution, original_name="a.csv", file_format="csv", status=ImportStatus.IMPORTED
    )
    rejected = ImportRun.objects.create(
        institution=institution, original_name="b.csv", file_format="csv", status=ImportStatus.REJECTED
    )
    names = {
        evidence: public.save("achievements/evidence/2025/11/essay.pdf", ContentFile(b"%PDF essay")),
        imported: public.save("imports/2025/11/a.csv", ContentFile(b"a,b\n1,2\n")),
        rejected: public.save("imports/2025/11/b.csv", ContentFile(b"secret\n")),
    }
    for row, name in names.items():
        type(row).objects.filter(pk=row.pk).update(file=name)

    out = io.StringIO()
    call_command("move_private_files", stdout=out)

    assert files_under(settings.MEDIA_ROOT) == []
    evidence.refresh_from_db()
    imported.refresh_from_db()
    rejected.refresh_from_db()
    with evidence.file.open("rb") as stored:
        assert stored.read() == b"%PDF essay"
    with imported.file.open("rb") as stored:
        assert stored.read() == b"a,b\n1,2\n"
    assert not rejected.file
    assert sorted(p.name for p in files_under(settings.PORTAL_PRIVATE_MEDIA_ROOT)) == ["a.csv", "essay.pdf"]
    assert "Moved 2 files" in out.getvalue() and "deleted 1 file of rejected imports" in out.getvalue()

    again = io.StringIO()
    call_command("move_private_files", stdout=again)
    assert "Moved 0 files" in again.getvalue()
    assert sorted(p.name for p in files_under(settings.PORTAL_PRIVATE_MEDIA_ROOT)) == ["a.csv", "essay.pdf"]


def test_move_private_files_never_overwrites_a_private_file_of_the_same_name(institution):
    public, private = storages["default"], ImportRun._meta.get_field("file").storage
    newer = ImportRun.objects.create(institution=institution, original_name="a.csv", file_format="csv")
    newer.file.save("a.csv", ContentFile(b"newer upload\n"))
    older = ImportRun.objects.create(
        institution=institution, original_name="a.csv", file_format="csv", status=ImportStatus.IMPORTED
    )
    ImportRun.objects.filter(pk=older.pk).update(file=public.save(newer.file.name, ContentFile(b"older\n")))

    call_command("move_private_files", stdout=io.StringIO())

    newer.refresh_from_db()
    older.refresh_from_db()
    assert newer.file.name != older.file.name
    assert private.open(newer.file.name).read() == b"newer upload\n"
    assert private.open(older.file.name).read() == b"older\n"
    assert files_under(settings.MEDIA_ROOT) == []


# --- the Django admin --------------------------------------------------------------------------------------


def test_the_django_admin_shows_private_files_by_name_without_a_public_link(
    registrar, institution, course, learner, login
):
    from tests.factories import UserFactory

    record_award_with_evidence(registrar, institution, course, learner)
    run = upload(registrar, institution, HEADER + GOOD)
    evidence = Evidence.objects.get()
    operator = login(UserFactory(is_staff=True, is_superuser=True))

    award_page = operator.get(f"/admin/achievements/award/{evidence.award_id}/change/")
    run_page = operator.get(f"/admin/achievements/importrun/{run.pk}/change/")

    assert award_page.status_code == 200
    assert f'href="{evidence.file_url}"' in award_page.content.decode()
    assert run_page.status_code == 200
    assert run.file.name in run_page.content.decode()
    assert "/media/" not in award_page.content.decode() + run_page.content.decode()
