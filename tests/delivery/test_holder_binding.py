"""A claimed credential is a new credential of the same award, about the holder's DID.

The institution's copy stays as it is and stays the award's current credential; the holder's copy has its
own status-list index, is signed by the worker, and is revoked when the award is withdrawn or corrected.
"""

import pytest
from django.core.exceptions import ValidationError

from achievements.services import award_withdraw
from achievements.signals import awards_updated
from credentials import holder_binding, services
from credentials.models import CredentialKind, CredentialState, IssuedCredential
from credentials.verification import credential_verify

pytestmark = pytest.mark.django_db(transaction=True)


def _refreshed(credential):
    credential.refresh_from_db()
    return credential


def test_a_holder_copy_is_a_new_signed_credential_whose_subject_is_the_holders_did(awards, wallet):
    institution_copy = services.credential_issue(award=awards[0])

    copy = _refreshed(holder_binding.holder_credential_issue(award=awards[0], holder_did=wallet.did))

    assert copy.pk != institution_copy.pk
    assert copy.state == CredentialState.SIGNED
    assert copy.document["credentialSubject"]["id"] == wallet.did
    assert copy.holder_did == wallet.did and not copy.is_current
    institution_copy.refresh_from_db()
    assert institution_copy.is_current and "id" not in institution_copy.document["credentialSubject"]
    own_index = (copy.status_list_id, copy.status_index)
    assert own_index != (institution_copy.status_list_id, institution_copy.status_index)
    assert copy.document["credentialStatus"]["statusListIndex"] == str(copy.status_index)
    result = credential_verify(document_or_jwt=copy.document)
    assert result.verified, result.to_dict()


def test_claiming_again_with_the_same_did_gives_the_same_copy_and_another_did_a_new_one(
    awards, wallet, other_wallet
):
    first = holder_binding.holder_credential_issue(award=awards[0], holder_did=wallet.did)
    again = holder_binding.holder_credential_issue(award=awards[0], holder_did=wallet.verification_method)
    other = holder_binding.holder_credential_issue(award=awards[0], holder_did=other_wallet.did)

    assert again.pk == first.pk
    assert other.pk != first.pk
    assert IssuedCredential.objects.filter(award=awards[0], is_current=True).count() == 1


def test_withdrawing_the_award_revokes_the_holder_copies_too(awards, wallet, registrar_user):
    copy = holder_binding.holder_credential_issue(award=awards[0], holder_did=wallet.did)

    award_withdraw(award=awards[0], reason="Entered for the wrong student", actor=registrar_user)

    copy = _refreshed(copy)
    assert copy.is_revoked
    with pytest.raises(ValidationError, match="withdrawn"):
        holder_binding.holder_credential_issue(award=awards[0], holder_did=wallet.did)


def test_a_corrected_record_revokes_the_holder_copy_and_a_new_claim_gives_a_fresh_one(awards, wallet):
    copy = holder_binding.holder_credential_issue(award=awards[0], holder_did=wallet.did)

    awards_updated.send(sender=type(awards[0]), award_ids=[awards[0].pk], source="grade correction")

    assert _refreshed(copy).is_revoked
    fresh = holder_binding.holder_credential_issue(award=awards[0], holder_did=wallet.did)
    assert fresh.pk != copy.pk and not fresh.is_revoked


def test_a_holder_clr_nests_holder_copies_and_names_the_did(awards, wallet):
    clr = _refreshed(holder_binding.holder_clr_issue(learner=awards[0].learner, holder_did=wallet.did))

    assert clr.kind == CredentialKind.CLR and clr.state == CredentialState.SIGNED and not clr.is_current
    assert clr.document["credentialSubject"]["id"] == wallet.did
    nested = clr.document["credentialSubject"]["verifiableCredential"]
    assert len(nested) == 3
    assert {item["credentialSubject"]["id"] for item in nested} == {wallet.did}
    # The learner's own current CLR is untouched (a later clr_issue still makes the institution's).
    assert services.clr_issue(learner=awards[0].learner).holder_did == ""


@pytest.mark.parametrize(
    "did", ["did:web:example.org", "did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme", "", "x" * 600]
)
def test_only_an_ed25519_did_key_can_hold_a_copy(awards, did):
    with pytest.raises(ValidationError, match="did:key"):
        holder_binding.holder_credential_issue(award=awards[0], holder_did=did)
    assert not IssuedCredential.objects.exclude(holder_did="").exists()


def test_the_credential_page_of_a_holder_copy_never_says_it_was_replaced_by_the_institutions_copy(
    awards, wallet, client, login, registrar_user
):
    services.credential_issue(award=awards[0])
    copy = holder_binding.holder_credential_issue(award=awards[0], holder_did=wallet.did)
    awards_updated.send(sender=type(awards[0]), award_ids=[awards[0].pk], source="grade correction")
    assert _refreshed(copy).is_revoked

    login(registrar_user)
    page = client.get(copy.get_absolute_url(), HTTP_ACCEPT="text/html").content.decode()
    assert "Registrar actions" in page and "Replaced by" not in page
