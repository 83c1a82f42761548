"""Interop: the `clr.json` a rendered PDF transcript companion carries is, byte for byte, the stored signed
ClrCredential, and Digital Bazaar's stack (tests/interop/dbvc.mjs, pinned packages) verifies it, with each
credential nested in it, under the institution's did:web document and status list; an attachment edited
after signing is refused."""

import io
import json

import pytest
from pypdf import PdfReader

from credentials import services
from credentials.companion import credential_json
from credentials.models import CredentialState, IssuedCredential
from credentials.verification import fetch_status_list
from institutions.selectors import institution_did_document
from tests.factories import program_transcript

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def transcript(institution) -> IssuedCredential:
    """A learner's signed ClrCredential of three graded courses of a program, with its PDF rendered
    (tasks run eagerly: signing renders it through the real task)."""
    learner, _awards = program_transcript(institution, given_name="Zoë", family_name="Ørsted")
    clr = services.clr_issue(learner=learner)
    clr.refresh_from_db()
    assert clr.state == CredentialState.SIGNED, clr.error
    assert clr.pdf, "the PDF companion was not rendered"
    return clr


def attached_clr(credential: IssuedCredential) -> bytes:
    with credential.pdf.open("rb") as handle:
        attachments = PdfReader(io.BytesIO(handle.read())).attachments
    assert list(attachments) == ["clr.json"], attachments.keys()
    assert len(attachments["clr.json"]) == 1
    return attachments["clr.json"][0]


def node_verify(digital_bazaar, document: dict, institution):
    return digital_bazaar.verify(
        document,
        did_docs=(institution_did_document(institution=institution),),
        status_lists=(fetch_status_list(document["credentialStatus"]["statusListCredential"]),),
        nested=True,
    )


def test_the_attached_clr_is_the_stored_credential_and_digital_bazaar_verifies_it(
    digital_bazaar, transcript, institution
):
    attached = attached_clr(transcript)

    assert attached == credential_json(transcript)
    document = json.loads(attached)
    assert document == transcript.document
    result = node_verify(digital_bazaar, document, institution)

    assert result.returncode == 0, result
    assert result.output["verified"] is True, result
    assert result.output["revoked"] is False, result
    assert [nested["verified"] for nested in result.output["nested"]] == [True, True, True], result
    assert result.output["accepted"] is True, result


def test_digital_bazaar_refuses_the_attached_clr_once_a_grade_in_it_is_edited(
    digital_bazaar, transcript, institution
):
    document = json.loads(attached_clr(transcript))
    nested = document["credentialSubject"]["verifiableCredential"][0]
    nested["credentialSubject"]["result"][0]["value"] = "A+"

    result = node_verify(digital_bazaar, document, institution)

    assert result.returncode == 1, result
    assert result.output["verified"] is False, result
