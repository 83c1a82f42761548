"""Who advises whom: admins assign advisors one by one or by CSV, and remove them, through HTTP."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from experiences.assignments import MAX_ROWS, AssignmentsFileRefused, assignments_import
from experiences.models import AdvisorAssignment
from institutions.models import AuditEntry, Role
from tests.factories import LearnerFactory, MembershipFactory


@pytest.fixture
def learners(institution):
    return [LearnerFactory(institution=institution, student_id=f"S-{n}") for n in range(3)]


def _upload(client, institution, content: bytes, name="assignments.csv"):
    return client.post(
        reverse("advising:assignments_import", args=[institution.slug]),
        {"file": SimpleUploadedFile(name, content, content_type="text/csv")},
    )


def test_an_admin_assigns_an_advisor_to_a_student_and_the_table_counts_them(
    client, login, admin_user, advisor_user, institution, learners
):
    login(admin_user)
    url = reverse("advising:assignments", args=[institution.slug])
    response = client.post(url, {"advisor": advisor_user.pk, "student_id": "S-1"})
    assert response.status_code == 302
    assignment = AdvisorAssignment.objects.get()
    assert (assignment.advisor, assignment.learner, assignment.assigned_by) == (
        advisor_user,
        learners[1],
        admin_user,
    )
    assert AuditEntry.objects.filter(action="advisor.assigned", target="S-1").exists()
    page = client.get(url).content.decode()
    assert advisor_user.email in page and learners[1].full_name in page
    assert "<td>1</td>" in page  # the advisor's count of students
    again = client.post(url, {"advisor": advisor_user.pk, "student_id": "S-1"}, follow=True)
    assert "already advised" in again.content.decode()
    assert AdvisorAssignment.objects.count() == 1


def test_assigning_refuses_an_unknown_student_id_and_someone_who_is_not_an_advisor(
    client, login, admin_user, advisor_user, registrar_user, institution, learners
):
    login(admin_user)
    url = reverse("advising:assignments", args=[institution.slug])
    unknown = client.post(url, {"advisor": advisor_user.pk, "student_id": "NOPE"})
    assert unknown.status_code == 400
    assert "has the student id NOPE" in unknown.content.decode()
    not_advisor = client.post(url, {"advisor": registrar_user.pk, "student_id": "S-1"})
    assert not_advisor.status_code == 400
    assert not AdvisorAssignment.objects.exists()


def test_an_advisor_cannot_be_assigned_to_themselves(client, login, admin_user, advisor_user, institution):
    LearnerFactory(institution=institution, student_id="SELF", user=advisor_user)
    login(admin_user)
    response = client.post(
        reverse("advising:assignments", args=[institution.slug]),
        {"advisor": advisor_user.pk, "student_id": "SELF"},
    )
    assert response.status_code == 400
    assert "cannot advise themselves" in response.content.decode()
    assert not AdvisorAssignment.objects.exists()


def test_removing_an_assignment_needs_the_confirmation(
    client, login, admin_user, advisor_user, institution, learners
):
    assignment = AdvisorAssignment.objects.create(
        institution=institution, advisor=advisor_user, learner=learners[0]
    )
    login(admin_user)
    url = reverse("advising:assignment_remove", args=[institution.slug, assignment.pk])
    assert client.post(url).status_code == 400
    assert AdvisorAssignment.objects.filter(pk=assignment.pk).exists()
    assert client.post(url, {"confirm": "yes"}).status_code == 302
    assert not AdvisorAssignment.objects.filter(pk=assignment.pk).exists()
    assert AuditEntry.objects.filter(action="advisor.unassigned").exists()
    assert client.post(url, {"confirm": "yes"}).status_code == 404


def test_an_admin_of_another_institution_cannot_remove_an_assignment(
    client, login, other_institution, advisor_user, institution, learners
):
    assignment = AdvisorAssignment.objects.create(
        institution=institution, advisor=advisor_user, learner=learners[0]
    )
    outsider = MembershipFactory(institution=other_institution, role=Role.ADMIN).user
    login(outsider)
    own = reverse("advising:assignment_remove", args=[other_institution.slug, assignment.pk])
    assert client.post(own, {"confirm": "yes"}).status_code == 404
    theirs = reverse("advising:assignment_remove", args=[institution.slug, assignment.pk])
    assert client.post(theirs, {"confirm": "yes"}).status_code == 403
    assert AdvisorAssignment.objects.filter(pk=assignment.pk).exists()


def test_an_advisor_cannot_manage_assignments(client, login, advisor_user, institution, learners):
    login(advisor_user)
    assert client.get(reverse("advising:assignments", args=[institution.slug])).status_code == 403
    assert _upload(client, institution, b"advisor_email,student_id\n").status_code == 403


def test_a_csv_assigns_the_good_lines_and_names_each_bad_one_by_its_line(
    client, login, admin_user, advisor_user, registrar_user, institution, learners
):
    LearnerFactory(institution=institution, student_id="SELF", user=advisor_user)
    content = (
        "advisor_email,student_id\n"
        f"{advisor_user.email},S-0\n"
        f"{advisor_user.email.upper()},S-1\n"
        "ghost@example.org,S-2\n"
        f"{registrar_user.email},S-2\n"
        f"{advisor_user.email},NOPE\n"
        f"{advisor_user.email},SELF\n"
        f"{advisor_user.email},\n"
        "\n"
        f"{advisor_user.email},S-0\n"
    ).encode()
    login(admin_user)
    response = _upload(client, institution, content)
    assert response.status_code == 200
    page = response.content.decode()
    assert "2 created · 1 already there · 5 with errors." in page
    assert "Line 4: ghost@example.org is not an advisor at" in page
    assert f"Line 5: {registrar_user.email} is not an advisor at {institution.name}." in page
    assert "Line 6: No learner of" in page and "student id NOPE" in page
    assert "Line 7:" in page and "cannot advise themselves" in page
    assert "Line 8: Both advisor_email and student_id are needed." in page
    assert set(AdvisorAssignment.objects.values_list("learner__student_id", flat=True)) == {"S-0", "S-1"}


def test_uploading_the_same_csv_again_adds_nothing(
    client, login, admin_user, advisor_user, institution, learners
):
    content = f"student_id,advisor_email\nS-0,{advisor_user.email}\nS-1,{advisor_user.email}\n".encode()
    login(admin_user)
    assert (
        "2 created · 0 already there · 0 with errors."
        in _upload(client, institution, content).content.decode()
    )
    assert (
        "0 created · 2 already there · 0 with errors."
        in _upload(client, institution, content).content.decode()
    )
    assert AdvisorAssignment.objects.count() == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The submitted file is empty"),
        (b"\n\n", "The file is empty"),
        (b"email,id\na@b.c,S-0\n", "The first line must name the columns advisor_email and student_id"),
        (b"advisor_email,student_id\n\x00\x01,S-0\n", "NUL bytes"),
        ("advisor_email,student_id\né@x.org,S-0\n".encode("latin-1"), "not UTF-8"),
        (b'advisor_email,student_id\n"' + b"x" * 200_000 + b'",S-0\n', "is not valid CSV"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_a_clear_400_and_changes_nothing(
    client, login, admin_user, advisor_user, institution, learners, content, message
):
    login(admin_user)
    response = _upload(client, institution, content)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not AdvisorAssignment.objects.exists()


def test_a_file_above_two_megabytes_is_refused(client, login, admin_user, institution):
    login(admin_user)
    content = b"advisor_email,student_id\n" + b"someone@example.org,S-0\n" * 100_000
    response = _upload(client, institution, content)
    assert response.status_code == 400
    assert "larger than 2 MB" in response.content.decode()


def test_a_file_with_too_many_lines_is_refused_before_anything_is_assigned(
    institution, advisor_user, learners
):
    content = ("advisor_email,student_id\n" + f"{advisor_user.email},S-0\n" * (MAX_ROWS + 1)).encode()
    with pytest.raises(AssignmentsFileRefused, match="more than 50,000 lines"):
        assignments_import(institution=institution, data=content)
    assert not AdvisorAssignment.objects.exists()


def test_an_upload_without_a_file_is_refused(client, login, admin_user, institution):
    login(admin_user)
    response = client.post(reverse("advising:assignments_import", args=[institution.slug]))
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()


def test_an_assigned_advisor_then_sees_the_students_experiences_and_a_removed_one_no_longer(
    client, login, admin_user, advisor_user, institution, learners
):
    from experiences import services

    experience = services.experience_create(
        learner=learners[0],
        fields={
            "title": "Debate team",
            "organisation": "Debating Society",
            "category": "club",
            "description": "x",
        },
    )
    review = reverse("advising:review", kwargs={"slug": institution.slug, "experience_id": experience.uuid})
    login(advisor_user)
    assert client.get(review).status_code == 404
    login(admin_user)
    _upload(client, institution, f"advisor_email,student_id\n{advisor_user.email},S-0\n".encode())
    login(advisor_user)
    assert client.get(review).status_code == 200
    AdvisorAssignment.objects.all().delete()
    assert client.get(review).status_code == 404
