"""The SIS upload page: check first, show every problem, then import all or only the valid rows."""

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from achievements.models import Achievement, Award, ImportRun, Learner
from tests.factories import make_achievement

pytestmark = pytest.mark.django_db

HEADER = "student_id,given_name,family_name,email,achievement_code,term,result,awarded_date\n"
GOOD = "S1,Maya,Chen,maya@students.example.edu,CS 101,Fall 2025,A,2025-12-20\n"
ALSO_GOOD = "S2,Omar,Haddad,omar@students.example.edu,MATH 151,Fall 2025,B,2025-12-20\n"
BAD_GRADE = "S3,Ines,Santos,ines@students.example.edu,CS 101,Fall 2025,A++,2025-12-20\n"
BAD_CODE = "S4,Liam,Smith,liam@students.example.edu,CS 999,Fall 2025,A,2025-12-20\n"


@pytest.fixture
def registrar(login, registrar_user, course, institution):
    make_achievement(institution, "MATH 151")
    return login(registrar_user)


def upload(client, institution, text, name="awards.csv"):
    return client.post(
        f"/institutions/{institution.slug}/imports/",
        {"file": SimpleUploadedFile(name, text.encode(), content_type="text/csv")},
    )


def test_the_preview_lists_every_problem_by_line_and_column_before_anything_is_written(
    registrar, institution
):
    response = upload(registrar, institution, HEADER + GOOD + BAD_GRADE + BAD_CODE)
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/institutions/{institution.slug}/imports/{run.pk}/"
    html = registrar.get(response["Location"]).content.decode()
    assert '<dd id="problem-count">2</dd>' in html
    assert '<td>3</td><td class="mono">result</td><td>&#x27;A++&#x27; is not on the scale' in html
    assert (
        '<td>4</td><td class="mono">achievement_code</td><td>No achievement with the code &#x27;CS 999&#x27;'
        in html
    )
    assert "Import only the 1 valid rows" in html
    assert "create 1, update 0" in html
    assert not Award.objects.exists() and not Learner.objects.exists()
    assert run.status == "previewed"


def test_the_registrar_imports_only_the_valid_rows_and_the_skipped_ones_stay_listed(registrar, institution):
    upload(registrar, institution, HEADER + GOOD + BAD_GRADE + ALSO_GOOD)
    run = ImportRun.objects.get()
    response = registrar.post(
        f"/institutions/{institution.slug}/imports/{run.pk}/", {"mode": "valid_only"}, follow=True
    )
    html = response.content.decode()
    assert "2 awards created, 0 updated, 0 unchanged. 1 rows with problems were skipped" in html
    assert "&#x27;A++&#x27; is not on the scale" in html
    assert sorted(Award.objects.values_list("learner__student_id", flat=True)) == ["S1", "S2"]
    run.refresh_from_db()
    assert (run.status, run.skipped, run.valid_only) == ("imported", 1, True)


def test_a_file_with_problems_cannot_be_imported_whole(registrar, institution):
    upload(registrar, institution, HEADER + GOOD + BAD_CODE)
    run = ImportRun.objects.get()
    response = registrar.post(
        f"/institutions/{institution.slug}/imports/{run.pk}/", {"mode": "all"}, follow=True
    )
    assert "Nothing was imported" in response.content.decode()
    assert not Award.objects.exists()
    run.refresh_from_db()
    assert run.status == "rejected"


def test_a_clean_file_is_imported_once(registrar, institution):
    upload(registrar, institution, HEADER + GOOD + ALSO_GOOD)
    run = ImportRun.objects.get()
    html = registrar.get(f"/institutions/{institution.slug}/imports/{run.pk}/").content.decode()
    assert "Import 2 rows" in html
    url = f"/institutions/{institution.slug}/imports/{run.pk}/"
    response = registrar.post(url, {"mode": "all"}, follow=True)
    assert "Imported awards.csv: 2 awards created" in response.content.decode()
    response = registrar.post(url, {"mode": "all"}, follow=True)
    assert "already handled" in response.content.decode()
    assert Award.objects.count() == 2


def test_uploading_the_same_file_again_shows_nothing_would_change(registrar, institution):
    upload(registrar, institution, HEADER + GOOD)
    first = ImportRun.objects.get()
    registrar.post(f"/institutions/{institution.slug}/imports/{first.pk}/", {"mode": "all"})
    upload(registrar, institution, HEADER + GOOD)
    second = ImportRun.objects.exclude(pk=first.pk).get()
    html = registrar.get(f"/institutions/{institution.slug}/imports/{second.pk}/").content.decode()
    assert "create 0, update 0, leave 1 unchanged" in html


def test_an_empty_upload_is_refused(registrar, institution):
    response = registrar.post(
        f"/institutions/{institution.slug}/imports/", {"file": SimpleUploadedFile("a.csv", b"")}
    )
    assert response.status_code == 400
    assert "The submitted file is empty." in response.content.decode()


# --- OneRoster bundles (issue 10) -------------------------------------------------------------------------

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "sample-oneroster"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def zipped(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for source in sorted(folder.glob("*.csv")):
            archive.writestr(source.name, source.read_text(encoding="utf-8"))
    return buffer.getvalue()


def upload_zip(client, institution, data, name="roster.zip"):
    return client.post(
        f"/institutions/{institution.slug}/imports/",
        {"file": SimpleUploadedFile(name, data, content_type="application/zip")},
    )


def test_the_preview_of_a_bundle_lists_its_new_achievements_which_only_the_import_creates(
    registrar, institution
):
    response = upload_zip(registrar, institution, zipped(SAMPLE))
    html = registrar.get(response["Location"]).content.decode()
    assert '<h2 id="new-achievements-heading">New achievements</h2>' in html
    assert (
        '<tr><td class="mono">PHIL 110</td><td>Introduction to Philosophy</td><td>3</td><td>4</td></tr>'
        in html
    )
    assert "Import 4 rows" in html
    assert not Achievement.objects.filter(human_code="PHIL 110").exists()

    run = ImportRun.objects.get()
    response = registrar.post(
        f"/institutions/{institution.slug}/imports/{run.pk}/", {"mode": "all"}, follow=True
    )
    assert "Imported roster.zip: 4 awards created" in response.content.decode()
    phil = Achievement.objects.get(institution=institution, human_code="PHIL 110")
    assert phil.current_version.achievement_type == "Course"
    assert Award.objects.filter(achievement=phil).count() == 1


def test_a_bundle_with_a_file_level_problem_says_what_blocks_it_and_offers_no_partial_import(
    registrar, institution
):
    response = upload_zip(registrar, institution, zipped(FIXTURES / "oneroster-missing-column"))
    html = registrar.get(response["Location"]).content.decode()
    assert "Nothing in this bundle can be imported until these are fixed" in html
    assert "<li>enrollments.csv line 1, column role: enrollments.csv lacks column(s) role.</li>" in html
    assert "Import only the" not in html
    # The other files' row-level problems are listed too.
    assert '<td>users.csv</td><td>3</td><td class="mono">email</td>' in html
    assert '<td>results.csv</td><td>5</td><td class="mono">scoreDate</td>' in html

    run = ImportRun.objects.get()
    response = registrar.post(
        f"/institutions/{institution.slug}/imports/{run.pk}/", {"mode": "valid_only"}, follow=True
    )
    text = response.content.decode()
    assert (
        "Nothing was imported: enrollments.csv line 1, column role: enrollments.csv lacks column(s) role."
        in text
    )
    assert not Award.objects.exists()
