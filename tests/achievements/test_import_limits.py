"""Bounds on SIS files: zip bombs, lying zips, odd member names, too many rows or files, nested zips.

Each is refused before the work is spent, with a message naming what is wrong: the command exits with an
error, the upload page answers 400 with the message on the form, and nothing is written.
"""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from achievements.imports import limits
from achievements.models import Award, ImportRun, ImportStatus, Learner
from tests.achievements.test_import_oneroster import SAMPLE, bundle
from tests.factories import make_achievement

pytestmark = pytest.mark.django_db

MB = 2**20
HEADER = "student_id,given_name,family_name,email,achievement_code,term,result,awarded_date\n"


def award_row(number: int) -> str:
    return f"S{number},Maya,Chen,s{number}@students.example.edu,CS 101,Fall 2025,A,2025-12-20\n"


@pytest.fixture
def catalog(institution, course):
    make_achievement(institution, "MATH 151", name="Calculus I")
    return institution


def refused(path, institution, *args) -> str:
    out = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command(
            "import_records", str(path), "--institution", institution.slug, "--no-progress", *args, stdout=out
        )
    return out.getvalue() + str(raised.value)


def nothing_written() -> bool:
    return (
        not Award.objects.exists()
        and not Learner.objects.exists()
        and not ImportRun.objects.filter(status=ImportStatus.IMPORTED).exists()
    )


def zip_bomb(tmp_path) -> bytes:
    """The sample bundle whose results.csv is 200 MB of zeros, about 200 KB compressed."""
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for source in sorted(SAMPLE.glob("*.csv")):
            if source.name != "results.csv":
                archive.writestr(source.name, source.read_text(encoding="utf-8"))
        zeros = bytes(MB)
        with archive.open("results.csv", "w", force_zip64=True) as member:
            for _ in range(200):
                member.write(zeros)
    return path.read_bytes()


def patched(data: bytes, old: bytes, new: bytes) -> bytes:
    assert len(old) == len(new) and old in data
    return data.replace(old, new)


def lying_zip(tmp_path):
    """A bundle whose results.csv is 5 MB but whose headers (local and central) say 1,000 bytes."""
    text = (SAMPLE / "results.csv").read_text(encoding="utf-8")
    text += "".join(f"res-x{n},li-cs101-final,usr-1001,fully graded,,A,2025-12-20\n" for n in range(80_000))
    path = bundle(tmp_path, replace={"results.csv": [((SAMPLE / "results.csv").read_text(), text)]})
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("results.csv")
    assert info.file_size > 4 * MB
    real = info.file_size.to_bytes(4, "little")
    lie = (1000).to_bytes(4, "little")
    # The size sits at byte 22 of the local header and byte 24 of the central directory entry.
    local = info.header_offset
    assert data[local + 22 : local + 26] == real
    data[local + 22 : local + 26] = lie
    central = data.index(b"results.csv", local + 30 + info.compress_size) - 46
    assert data[central : central + 4] == b"PK\x01\x02"
    assert data[central + 24 : central + 28] == real
    data[central + 24 : central + 28] = lie
    path.write_bytes(bytes(data))
    return path


def test_a_zip_bomb_is_refused_from_its_directory_without_unpacking_it(tmp_path, catalog):
    path = tmp_path / "bomb.zip"
    path.write_bytes(zip_bomb(tmp_path))

    message = refused(path, catalog, "--dry-run")

    assert "results.csv unpacks to 200 MB from 0.2 MB" in message
    assert "more than 100 times its compressed size" in message
    assert "200 MB unpacked, more than the 100 MB" in message
    assert nothing_written()


def test_the_upload_page_answers_a_zip_bomb_with_400_and_keeps_no_file(
    tmp_path, login, registrar_user, catalog, settings
):
    client = login(registrar_user)
    upload = SimpleUploadedFile("bomb.zip", zip_bomb(tmp_path), content_type="application/zip")

    response = client.post(f"/institutions/{catalog.slug}/imports/", {"file": upload})

    assert response.status_code == 400
    html = response.content.decode()
    assert "more than 100 times its compressed size" in html
    assert nothing_written()
    run = ImportRun.objects.get()
    assert run.status == ImportStatus.REJECTED and not run.file
    assert not [p for p in settings.PORTAL_PRIVATE_MEDIA_ROOT.rglob("*") if p.is_file()]


def test_a_zip_whose_directory_lies_about_a_size_is_refused_as_damaged(tmp_path, catalog):
    message = refused(lying_zip(tmp_path), catalog, "--dry-run")

    assert "results.csv cannot be unpacked" in message
    assert nothing_written()


def test_member_names_leaving_the_folder_absolute_or_holding_nul_are_refused(tmp_path, catalog):
    path = bundle(tmp_path)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("../../etc/cron.d/x.csv", "a\n")
        archive.writestr("/var/www/shell.csv", "a\n")
        archive.writestr("evil\x01.csv", "a\n")
    path.write_bytes(patched(path.read_bytes(), b"evil\x01", b"evil\x00"))

    message = refused(path, catalog, "--dry-run")

    assert "'../../etc/cron.d/x.csv'" in message
    assert "'/var/www/shell.csv'" in message
    assert "'evil\\x00.csv'" in message
    error = message.rsplit("\n", 1)[-1]  # the problems are listed, then repeated in the error
    assert error.count("a bundle's file names stay inside it") == 3
    assert nothing_written()


def test_a_zip_inside_the_bundle_is_refused(tmp_path, catalog):
    inner = bundle(tmp_path, name="inner.zip")
    path = bundle(tmp_path)
    with zipfile.ZipFile(path, "a") as archive:
        archive.write(inner, "more/inner.zip")

    message = refused(path, catalog)

    assert "more/inner.zip is a zip inside the zip" in message
    assert nothing_written()


def test_a_results_file_that_is_itself_a_zip_is_refused(tmp_path, catalog):
    inner = bundle(tmp_path, name="inner.zip")
    path = tmp_path / "outer.zip"
    with zipfile.ZipFile(bundle(tmp_path)) as source, zipfile.ZipFile(path, "w") as archive:
        for info in source.infolist():
            if info.filename != "results.csv":
                archive.writestr(info.filename, source.read(info))
        archive.writestr("results.csv", inner.read_bytes())

    message = refused(path, catalog)

    assert "results.csv is a zip inside the zip" in message
    assert nothing_written()


def test_a_bundle_with_too_many_files_is_refused(tmp_path, catalog, settings):
    settings.PORTAL_IMPORT_MAX_MEMBERS = 5

    message = refused(bundle(tmp_path), catalog, "--dry-run")

    assert "The bundle holds 8 files; at most 5 are read." in message
    assert nothing_written()


def test_a_bundle_file_with_more_rows_than_allowed_is_refused_when_its_limit_is_passed(
    tmp_path, catalog, settings
):
    settings.PORTAL_IMPORT_MAX_ROWS = 4

    message = refused(bundle(tmp_path), catalog)

    assert "enrollments.csv has more than 4 rows" in message
    assert "PORTAL_IMPORT_MAX_ROWS" not in message  # a registrar is told to split the file
    assert "split it" in message
    assert nothing_written()


def test_an_award_csv_with_more_rows_than_allowed_is_refused_by_the_check_and_the_command(
    tmp_path, login, registrar_user, catalog, settings
):
    settings.PORTAL_IMPORT_MAX_ROWS = 3
    text = HEADER + "".join(award_row(n) for n in range(1, 6))
    path = tmp_path / "awards.csv"
    path.write_text(text, encoding="utf-8")

    message = refused(path, catalog, "--valid-only")
    response = login(registrar_user).post(
        f"/institutions/{catalog.slug}/imports/",
        {"file": SimpleUploadedFile("awards.csv", text.encode(), content_type="text/csv")},
    )

    assert "awards.csv has more than 3 rows" in message
    # Counting rows means reading the file: the worker does it, and the run's page tells the refusal.
    assert response.status_code == 302
    page = login(registrar_user).get(response["Location"])
    assert "awards.csv has more than 3 rows" in page.content.decode()
    assert "Nothing was imported" in page.content.decode()
    assert nothing_written()
    assert ImportRun.objects.get(uploaded_by=registrar_user).status == ImportStatus.REJECTED


def test_a_file_larger_than_the_upload_limit_is_refused_by_the_page_and_the_command(
    tmp_path, login, registrar_user, catalog, settings
):
    settings.PORTAL_IMPORT_MAX_BYTES = 1024
    text = HEADER + "".join(award_row(n) for n in range(1, 40))
    path = tmp_path / "awards.csv"
    path.write_text(text, encoding="utf-8")

    message = refused(path, catalog)
    response = login(registrar_user).post(
        f"/institutions/{catalog.slug}/imports/",
        {"file": SimpleUploadedFile("awards.csv", text.encode(), content_type="text/csv")},
    )

    assert "awards.csv is larger than 1 KB" in message
    assert response.status_code == 400
    assert "The file is larger than 1 KB" in response.content.decode()
    assert nothing_written() and not ImportRun.objects.exists()


def test_a_normal_bundle_within_the_limits_still_imports(tmp_path, catalog, settings):
    settings.PORTAL_IMPORT_MAX_ROWS = 10
    settings.PORTAL_IMPORT_MAX_MEMBERS = 8
    out = io.StringIO()

    call_command(
        "import_records", str(bundle(tmp_path)), "--institution", catalog.slug, "--no-progress", stdout=out
    )

    assert "4 awards created" in out.getvalue()
    assert Award.objects.count() == 4


def test_what_a_member_really_unpacks_is_counted_against_the_budget_while_reading(tmp_path):
    path = bundle(tmp_path)
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("results.csv")
        with pytest.raises(limits.ImportRefused) as raised:
            limits.open_member(archive, info, limits._Budget(100)).read()

    assert "The bundle unpacks to more than 100 bytes, although its directory says less" in str(raised.value)
