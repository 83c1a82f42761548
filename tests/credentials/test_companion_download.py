"""Downloading a credential's PDF companion: its learner and the institution's staff, rendered once when missing."""

import pytest
from django.urls import reverse

from credentials import services
from credentials.models import CredentialState
from institutions.models import Role
from tests.factories import LearnerFactory, MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def signed_credential(award, student_user):
    award.learner.user = student_user
    award.learner.save(update_fields=["user"])
    credential = services.credential_issue(award=award)
    credential.refresh_from_db()
    assert credential.state == CredentialState.SIGNED, credential.error
    return credential


def _pdf_url(credential):
    return reverse("credentials:download_pdf", kwargs={"credential_id": credential.id})


def test_the_learner_downloads_the_pdf_which_is_rendered_once_and_kept(
    client, signed_credential, student_user
):
    client.force_login(student_user)

    first = client.get(_pdf_url(signed_credential))

    assert first.status_code == 200
    assert first["Content-Type"] == "application/pdf"
    assert first["Content-Disposition"].startswith("attachment;")
    assert first["X-Content-Type-Options"] == "nosniff"
    body = b"".join(first.streaming_content)
    assert body.startswith(b"%PDF-")
    signed_credential.refresh_from_db()
    stored = signed_credential.pdf.name
    assert stored
    second = client.get(_pdf_url(signed_credential))
    assert b"".join(second.streaming_content) == body
    signed_credential.refresh_from_db()
    assert signed_credential.pdf.name == stored


def test_staff_of_the_institution_download_it_and_another_learner_gets_404(
    client, signed_credential, institution
):
    registrar = MembershipFactory(institution=institution, role=Role.REGISTRAR).user
    client.force_login(registrar)
    assert client.get(_pdf_url(signed_credential)).status_code == 200
    other = MembershipFactory(institution=institution, role=Role.STUDENT).user
    LearnerFactory(institution=institution, user=other)
    client.force_login(other)
    assert client.get(_pdf_url(signed_credential)).status_code == 404


def test_the_credential_and_record_pages_offer_the_pdf(client, signed_credential, student_user):
    client.force_login(student_user)
    pdf = _pdf_url(signed_credential)
    assert f'href="{pdf}"' in client.get(signed_credential.get_absolute_url()).content.decode()
    record = reverse("wallet:record", kwargs={"credential_id": signed_credential.id})
    assert f'href="{pdf}"' in client.get(record).content.decode()


def test_a_credential_not_signed_yet_has_no_pdf(
    client, award, student_user, django_capture_on_commit_callbacks
):
    award.learner.user = student_user
    award.learner.save(update_fields=["user"])
    from credentials.models import IssuedCredential

    credential = IssuedCredential.objects.create(
        institution=award.institution, kind="AchievementCredential", learner=award.learner, award=award
    )
    client.force_login(student_user)
    assert client.get(_pdf_url(credential)).status_code == 404
