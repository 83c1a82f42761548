"""POST credentials of the 1EdTech service API (OB 3.0 / CLR 2.0 6.2.3 upsertCredential): into the
learner's wallet, verified on the way in, the same credential replaced only by a newer one, and given
back by GET exactly as it was sent."""

import json

import pytest

from wallet.models import ExternalCredential
from wallet.services import external_credential_confirm, external_credential_import

from .ims_support import (  # noqa: F401  (fixtures)
    CLR,
    CLR_READ,
    CLR_UPSERT,
    OB,
    OB_READ,
    OB_UPSERT,
    assert_valid,
    bearer,
    elsewhere_credential,
    fresh_write_counts,
    learner_with_courses,
    make_token,
    resign,
    status_info,
)

pytestmark = pytest.mark.django_db
ELSEWHERE_ID = "https://badges.elsewhere.example/credentials/42"


@pytest.fixture
def portal_credential(institution, issue):
    user, _learner, awards = learner_with_courses(institution, 1)
    return user, issue(awards[0])


@pytest.fixture
def holder(portal_credential):
    """A learner with one portal credential, and a token that may read and upsert their badges."""
    user, credential = portal_credential
    return user, make_token(user, OB_READ, OB_UPSERT), credential


@pytest.fixture
def from_elsewhere(portal_credential):
    _user, credential = portal_credential
    return elsewhere_credential(
        credential.document,
        credential_id=ELSEWHERE_ID,
        valid_from="2025-06-01T00:00:00Z",
        name="Elsewhere badge",
    )


def _post(client, token, body, content_type="application/json", path=OB + "credentials"):
    return client.post(path, body, content_type=content_type, **bearer(token))


def _all(client, token, path=OB + "credentials"):
    response = client.get(path, {"limit": 100}, **bearer(token))
    assert response.status_code == 200
    assert_valid("ob_credentials" if path.startswith(OB) else "clr_credentials", response.json())
    return response


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/ld+json", "application/vc+ld+json"]
)
def test_a_json_ld_credential_is_created_201_and_comes_back_from_get_byte_for_byte(
    client, holder, from_elsewhere, content_type
):
    _user, token, _credential = holder
    document, _jwt, _key = from_elsewhere
    # Key order and spacing of its own: GET must give this very text back.
    sent = json.dumps(dict(reversed(list(document.items()))), indent=1)

    response = _post(client, token, sent, content_type)

    assert response.status_code == 201
    assert response.content.decode() == sent
    assert_valid("ob_credential", json.loads(response.content))
    listing = _all(client, token)
    assert sent in listing.content.decode()
    assert json.loads(sent) in listing.json()["credential"]
    external = ExternalCredential.objects.get()
    assert (external.verdict, external.source_format, external.name) == (
        "verified",
        "json-ld",
        "Elsewhere badge",
    )


def test_a_vc_jwt_is_created_201_and_listed_as_the_same_compact_jws(client, holder, from_elsewhere):
    _user, token, _credential = holder
    _document, jwt, _key = from_elsewhere

    response = _post(client, token, jwt, "text/plain")

    assert response.status_code == 201
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode() == jwt
    assert jwt in _all(client, token).json()["compactJwsString"]
    assert ExternalCredential.objects.get().source_format == "vc-jwt"


def test_the_same_credential_again_is_200_and_kept_once(client, holder, from_elsewhere):
    _user, token, _credential = holder
    document, _jwt, _key = from_elsewhere

    assert _post(client, token, json.dumps(document)).status_code == 201
    again = _post(client, token, json.dumps(document))

    assert again.status_code == 200
    assert json.loads(again.content) == document
    assert ExternalCredential.objects.count() == 1
    assert _all(client, token)["X-Total-Count"] == "2"


def test_a_newer_copy_replaces_it_and_an_older_one_replaces_nothing(client, holder, from_elsewhere):
    _user, token, _credential = holder
    document, _jwt, key = from_elsewhere
    newer = resign(document, key, validFrom="2025-09-01T00:00:00Z", name="Elsewhere badge, renewed")
    older = resign(document, key, validFrom="2024-01-01T00:00:00Z", name="Elsewhere badge, old")

    assert _post(client, token, json.dumps(document)).status_code == 201
    replaced = _post(client, token, json.dumps(newer))
    kept = _post(client, token, json.dumps(older))

    assert replaced.status_code == 200 and json.loads(replaced.content) == newer
    assert kept.status_code == 200 and json.loads(kept.content) == newer  # the stored, newer one
    listed = [c for c in _all(client, token).json()["credential"] if c["id"] == ELSEWHERE_ID]
    assert listed == [newer]
    assert ExternalCredential.objects.get().name == "Elsewhere badge, renewed"


def test_a_credential_of_the_same_id_from_another_issuer_is_another_credential(
    client, holder, from_elsewhere
):
    _user, token, credential = holder
    document, _jwt, _key = from_elsewhere
    impostor, _token, _other_key = elsewhere_credential(credential.document, credential_id=ELSEWHERE_ID)

    assert _post(client, token, json.dumps(document)).status_code == 201
    assert _post(client, token, json.dumps(impostor)).status_code == 201
    assert ExternalCredential.objects.count() == 2


def test_a_tampered_credential_is_refused_and_nothing_is_kept(client, holder, from_elsewhere):
    _user, token, _credential = holder
    document, jwt, _key = from_elsewhere
    tampered = dict(document, name="A degree I never earned")
    header, payload, signature = jwt.split(".")
    forged_jwt = ".".join([header, payload[:-4] + ("AAAA" if payload[-4:] != "AAAA" else "BBBB"), signature])

    body = status_info(_post(client, token, json.dumps(tampered)), 400, "invalid_data")
    status_info(_post(client, token, forged_jwt, "text/plain"), 400, "invalid_data")

    assert "not valid" in body["imsx_description"]
    assert not ExternalCredential.objects.exists()
    assert _all(client, token)["X-Total-Count"] == "1"


def test_what_is_not_a_credential_of_the_endpoints_kind_is_400(client, holder, from_elsewhere):
    _user, token, _credential = holder
    document, _jwt, _key = from_elsewhere
    for body, content_type in [
        ("{not json", "application/json"),
        ("[1, 2]", "application/json"),
        ("not.a-jwt", "text/plain"),
        (json.dumps(dict(document, type=["VerifiableCredential", "ClrCredential"])), "application/json"),
        (json.dumps({k: v for k, v in document.items() if k != "credentialSubject"}), "application/json"),
    ]:
        status_info(_post(client, token, body, content_type), 400, "invalid_data")
    status_info(_post(client, token, "   "), 400, "invalid_data")
    assert not ExternalCredential.objects.exists()


def test_other_media_types_are_415_and_bodies_over_the_limit_413(client, settings, holder, from_elsewhere):
    _user, token, _credential = holder
    document, _jwt, _key = from_elsewhere
    status_info(_post(client, token, json.dumps(document), "application/xml"), 415, "invalid_data")
    status_info(
        _post(client, token, json.dumps(document), "text/plain; charset=latin-1"), 415, "invalid_data"
    )
    settings.PORTAL_UPLOAD_MAX_BYTES = 1000
    status_info(_post(client, token, json.dumps(document)), 413, "invalid_data")
    assert not ExternalCredential.objects.exists()


def test_upserting_needs_the_upsert_scope_of_the_same_standard(client, portal_credential, from_elsewhere):
    user, _credential = portal_credential
    document, _jwt, _key = from_elsewhere
    status_info(_post(client, make_token(user, OB_READ), json.dumps(document)), 403, "forbidden")
    status_info(_post(client, make_token(user, CLR_UPSERT), json.dumps(document)), 403, "forbidden")
    status_info(_post(client, "no-such-token", json.dumps(document)), 401, "unauthorizedrequest")
    assert not ExternalCredential.objects.exists()


def test_the_learners_own_portal_credential_is_already_there_and_someone_elses_is_refused(
    client, institution, holder
):
    _user, token, credential = holder
    other, _learner, _awards = learner_with_courses(institution, 0, prefix="O")

    mine = _post(client, token, json.dumps(credential.document))
    theirs = _post(client, make_token(other, OB_UPSERT), json.dumps(credential.document))

    assert mine.status_code == 200
    status_info(theirs, 400, "invalid_data")
    assert not ExternalCredential.objects.exists()


def test_a_clr_is_upserted_at_the_clr_endpoint(client, institution, issue, issue_clr):
    user, learner, awards = learner_with_courses(institution, 1)
    issue(awards[0])
    clr = issue_clr(learner)
    document, _jwt, _key = elsewhere_credential(clr.document, credential_id="https://elsewhere.example/clr/1")
    token = make_token(user, CLR_READ, CLR_UPSERT)

    assert _post(client, token, json.dumps(document), path=CLR + "credentials").status_code == 201
    status_info(_post(client, make_token(user, OB_UPSERT), json.dumps(document)), 400, "invalid_data")

    listed = _all(client, token, CLR + "credentials").json()["credential"]
    assert [c["id"] for c in listed] == [clr.url, document["id"]]


def test_too_many_writes_in_a_minute_are_429_with_retry_after(client, settings, holder, from_elsewhere):
    _user, token, _credential = holder
    document, _jwt, _key = from_elsewhere
    settings.IMS_WRITES_PER_MINUTE = 1
    assert _post(client, token, json.dumps(document)).status_code == 201
    response = _post(client, token, json.dumps(document))
    status_info(response, 429, "server_busy")
    assert int(response["Retry-After"]) > 0


def test_a_copy_in_the_wallet_with_a_date_without_time_zone_is_compared_as_utc(
    client, holder, from_elsewhere
):
    user, token, _credential = holder
    document, _jwt, key = from_elsewhere
    naive = resign(document, key, validFrom="2025-06-01T00:00:00")  # not RFC 3339: the API refuses it
    external_credential_import(owner=user, data=json.dumps(naive).encode(), original_name="naive.json")
    external_credential_confirm(external=ExternalCredential.objects.get(), actor=user)
    later = resign(document, key, validFrom="2025-07-01T00:00:00Z")

    status_info(_post(client, token, json.dumps(naive)), 400, "invalid_data")
    replaced = _post(client, token, json.dumps(later))

    assert replaced.status_code == 200
    assert ExternalCredential.objects.get().document == later
