import pytest
from cryptography.hazmat.primitives import serialization
from django.core.management import call_command
from django.db import connection

from institutions import services
from institutions.models import KeyAlgorithm, KeyStatus, SigningKey
from vc import keys as vc_keys
from vc.did import resolve_verification_method

pytestmark = pytest.mark.django_db


def did_document(client, institution):
    response = client.get(f"/institutions/{institution.slug}/did.json")
    assert response.status_code == 200
    return response.json()


def test_a_new_institution_has_one_active_ed25519_and_one_active_rsa_key(institution):
    active = SigningKey.objects.active().filter(institution=institution)
    assert sorted(active.values_list("algorithm", flat=True)) == ["Ed25519", "RSA"]


def test_the_did_document_lists_the_stored_public_keys(client, institution):
    document = did_document(client, institution)
    ed_key = institution.signing_keys.get(algorithm=KeyAlgorithm.ED25519)
    rsa_key = institution.signing_keys.get(algorithm=KeyAlgorithm.RSA)
    methods = {method["id"]: method for method in document["verificationMethod"]}

    assert document["id"] == institution.did
    ed_method = methods[ed_key.verification_method]
    assert ed_method["type"] == "Multikey"
    assert ed_method["controller"] == institution.did
    assert ed_method["publicKeyMultibase"] == ed_key.public_key
    rsa_method = methods[rsa_key.verification_method]
    assert rsa_method["type"] == "JsonWebKey"
    stored_rsa = serialization.load_pem_public_key(rsa_key.public_key.encode())
    assert (
        vc_keys.public_key_from_jwk(rsa_method["publicKeyJwk"]).public_numbers()
        == stored_rsa.public_numbers()
    )
    assert "d" not in rsa_method["publicKeyJwk"]
    assert set(document["assertionMethod"]) == set(methods)


def test_the_stored_private_key_signs_what_the_published_key_verifies(client, institution):
    key = institution.signing_keys.get(algorithm=KeyAlgorithm.ED25519)
    document = did_document(client, institution)
    method = resolve_verification_method(key.verification_method, resolver=lambda did: document)
    signature = services.signing_key_private(key=key).sign(b"a message")
    method.public_key.verify(signature, b"a message")  # raises InvalidSignature if the pair does not match


def test_rotation_keeps_the_old_key_in_the_did_document(client, admin_user, login, institution):
    old = institution.signing_keys.get(algorithm=KeyAlgorithm.ED25519)
    login(admin_user).post(f"/institutions/{institution.slug}/settings/keys/rotate", {"confirm": "yes"})

    old.refresh_from_db()
    assert old.status == KeyStatus.RETIRED
    new_active = institution.signing_keys.active().get(algorithm=KeyAlgorithm.ED25519)
    assert new_active.pk != old.pk
    ids = {method["id"] for method in did_document(client, institution)["verificationMethod"]}
    assert {old.verification_method, new_active.verification_method} <= ids
    assert len(ids) == 4


def test_a_compromised_key_leaves_the_did_document_and_is_replaced(client, admin_user, login, institution):
    key = institution.signing_keys.get(algorithm=KeyAlgorithm.ED25519)
    response = login(admin_user).post(
        f"/institutions/{institution.slug}/settings/keys/{key.key_id}/compromise",
        {"reason": "laptop stolen", "confirm": "yes"},
    )
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.status == KeyStatus.COMPROMISED
    assert key.compromised_reason == "laptop stolen"
    ids = {method["id"] for method in did_document(client, institution)["verificationMethod"]}
    assert key.verification_method not in ids
    assert institution.signing_keys.active().filter(algorithm=KeyAlgorithm.ED25519).count() == 1
    assert institution.audit_entries.filter(action="signing_key.compromised", actor=admin_user).exists()


def test_a_rotation_post_without_confirmation_changes_nothing_and_says_what_would_happen(
    admin_user, login, institution
):
    before = set(institution.signing_keys.values_list("pk", "status"))

    response = login(admin_user).post(f"/institutions/{institution.slug}/settings/keys/rotate")

    assert response.status_code == 200
    body = response.content.decode()
    assert "signed from now on is signed with the new key" in body
    assert "stay published in the DID document" in body
    assert 'name="confirm" value="yes"' in body
    assert set(institution.signing_keys.values_list("pk", "status")) == before
    assert not institution.audit_entries.filter(action="signing_key.created", actor=admin_user).exists()


def test_a_rotation_with_anything_but_confirm_yes_changes_nothing(admin_user, login, institution):
    login(admin_user).post(f"/institutions/{institution.slug}/settings/keys/rotate", {"confirm": "on"})

    assert institution.signing_keys.count() == 2


def test_the_settings_page_leads_to_the_confirmation_and_links_to_members_and_audit(
    admin_user, login, institution
):
    body = login(admin_user).get(f"/institutions/{institution.slug}/settings/").content.decode()

    assert f'action="/institutions/{institution.slug}/settings/keys/rotate"' in body
    assert f'href="/institutions/{institution.slug}/members/"' in body
    assert f'href="/institutions/{institution.slug}/audit/"' in body


def test_marking_a_key_compromised_asks_for_confirmation_first(admin_user, login, institution):
    key = institution.signing_keys.get(algorithm=KeyAlgorithm.ED25519)
    url = f"/institutions/{institution.slug}/settings/keys/{key.key_id}/compromise"
    client = login(admin_user)

    response = client.post(url, {"reason": "laptop stolen"})

    assert response.status_code == 200
    assert "every credential it signed stops verifying" in response.content.decode()
    assert "laptop stolen" in response.content.decode()  # the reason is carried to the confirmation
    key.refresh_from_db()
    assert key.status == KeyStatus.ACTIVE
    without_reason = client.post(url, {"confirm": "yes"})
    assert without_reason.status_code == 400
    key.refresh_from_db()
    assert key.status == KeyStatus.ACTIVE


def test_the_private_key_column_does_not_contain_the_raw_key(institution):
    for key in institution.signing_keys.all():
        private = services.signing_key_private(key=key)
        if key.algorithm == KeyAlgorithm.ED25519:
            raw = vc_keys.ed25519_seed(private)
        else:
            raw = private.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT private_key_encrypted FROM institutions_signingkey WHERE id = %s", [key.pk]
            )
            stored = bytes(cursor.fetchone()[0])
        assert raw not in stored
        assert raw[:16] not in stored
        assert stored.startswith(b"v1")


def test_a_blob_moved_onto_another_key_row_does_not_decrypt(institution):
    from institutions.key_vault import KeyVaultError

    first = institution.signing_keys.get(algorithm=KeyAlgorithm.ED25519)
    second = services.signing_key_create(institution=institution, algorithm=KeyAlgorithm.ED25519)
    second.private_key_encrypted = first.private_key_encrypted
    with pytest.raises(KeyVaultError):
        services.signing_key_private(key=second)


def test_private_keys_appear_on_no_page(client, admin_user, login, institution):
    key = institution.signing_keys.get(algorithm=KeyAlgorithm.ED25519)
    seed_hex = vc_keys.ed25519_seed(services.signing_key_private(key=key)).hex()
    private_multibase = vc_keys.ed25519_private_multibase(services.signing_key_private(key=key))
    login(admin_user)
    pages = [
        client.get(f"/institutions/{institution.slug}/settings/").content.decode(),
        client.get(f"/institutions/{institution.slug}/did.json").content.decode(),
        client.get(f"/institutions/{institution.slug}/", HTTP_ACCEPT="application/ld+json").content.decode(),
    ]
    for page in pages:
        assert seed_hex not in page
        assert private_multibase not in page
    assert key.key_id in pages[0]


def test_the_management_command_rotates_and_lists_keys(institution, capsys):
    call_command("institution_keys", "--institution", institution.slug, "rotate", "--algorithm", "Ed25519")
    out = capsys.readouterr().out
    active = institution.signing_keys.active().get(algorithm=KeyAlgorithm.ED25519)
    assert f"new active key {active.verification_method}" in out
    assert institution.signing_keys.filter(status=KeyStatus.RETIRED).count() == 1
    assert "retired" in out


def test_the_management_command_names_an_unknown_institution():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No institution with the slug 'nowhere'"):
        call_command("institution_keys", "--institution", "nowhere", "list")
