"""What the 1EdTech service API tests share: learners with issued credentials, bearer tokens made as
django-oauth-toolkit keeps them, credentials from elsewhere (signed by a did:key issuer), and the
bundled 1EdTech response schemas every response is checked against."""

import copy
import datetime
import json
import secrets
from functools import cache

import pytest
from django.utils import timezone
from jsonschema import Draft201909Validator
from oauth2_provider.models import AccessToken, Application, set_token_value

from achievements.services import award_create
from api import scopes
from tests.factories import LearnerFactory, UserFactory, make_achievement
from vc import data_integrity, keys
from vc import jwt as vc_jwt
from vc.did import did_key_from_public
from vc.schema import SCHEMA_DIR

OB_READ, OB_UPSERT = scopes.OB_CREDENTIAL_READONLY, scopes.OB_CREDENTIAL_UPSERT
OB_PROFILE, OB_PROFILE_UPDATE = scopes.OB_PROFILE_READONLY, scopes.OB_PROFILE_UPDATE
CLR_READ, CLR_UPSERT = scopes.CLR_CREDENTIAL_READONLY, scopes.CLR_CREDENTIAL_UPSERT
CLR_PROFILE, CLR_PROFILE_UPDATE = scopes.CLR_PROFILE_READONLY, scopes.CLR_PROFILE_UPDATE
OB = "/ims/ob/v3p0/"
CLR = "/ims/clr/v2p0/"

SCHEMAS = {
    "ob_credentials": "ob_v3p0/ob_v3p0_getopenbadgecredentialsresponse_schema.json",
    "clr_credentials": "clr_v2p0/clr_v2p0_getclrcredentialsresponse_schema.json",
    "ob_profile": "ob_v3p0/ob_v3p0_profile_schema.json",
    "clr_profile": "clr_v2p0/clr_v2p0_profile_schema.json",
    "ob_status": "ob_v3p0/ob_v3p0_imsx_statusinfo_schema.json",
    "clr_status": "clr_v2p0/clr_v2p0_imsx_statusinfo_schema.json",
    "ob_credential": "ob_v3p0/ob_v3p0_achievementcredential_schema.json",
    "clr_credential": "clr_v2p0/clr_v2p0_clrcredential_schema.json",
}


@cache
def _validator(name: str) -> Draft201909Validator:
    return Draft201909Validator(json.loads((SCHEMA_DIR / SCHEMAS[name]).read_text()))


def assert_valid(name: str, value) -> None:
    errors = sorted(_validator(name).iter_errors(value), key=lambda e: list(e.path))
    assert not errors, f"{name}: " + "; ".join(f"{list(e.path)}: {e.message[:200]}" for e in errors[:5])


def status_info(response, status: int, code_minor: str, standard: str = "ob") -> dict:
    """The imsx_StatusInfo of an error response, checked against its schema and its HTTP status."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert_valid(f"{standard}_status", body)
    assert (body["imsx_codeMajor"], body["imsx_severity"]) == ("failure", "error")
    [field] = body["imsx_codeMinor"]["imsx_codeMinorField"]
    assert field["imsx_codeMinorFieldValue"] == code_minor
    assert body["imsx_description"]
    return body


def make_token(user, *scope_names: str, expires_in: int = 3600, application=None) -> str:
    """A bearer token of `user` with those scopes, kept as django-oauth-toolkit keeps the ones it issues."""
    if application is None:
        application = Application.objects.create(
            name="A wallet", client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris="https://wallet.example/callback",
        )  # fmt: skip
    raw = secrets.token_urlsafe(32)
    token = AccessToken(
        user=user, application=application, scope=" ".join(scope_names),
        expires=timezone.now() + datetime.timedelta(seconds=expires_in),
    )  # fmt: skip
    set_token_value(token, raw)  # only its hash is kept, as for the tokens the token endpoint issues
    token.save()
    return raw


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def learner_with_courses(institution, count: int, *, user=None, prefix: str = "C"):
    """A learner record (linked to `user`, a new account by default) with `count` graded courses."""
    user = user or UserFactory()
    learner = LearnerFactory(institution=institution, user=user, email=user.email)
    awards = []
    for n in range(count):
        course = make_achievement(institution, f"{prefix} {100 + n}", name=f"Course {prefix}{n}")
        description = course.current_version.result_descriptions.first()
        results = [{"result_description": description, "value": "A"}] if description else []
        awards.append(award_create(learner=learner, achievement=course, term="Fall 2025", results=results))
    return user, learner, awards


def elsewhere_credential(
    template: dict, *, credential_id: str, valid_from: str | None = None, name: str = ""
):
    """A copy of a portal credential re-issued by another issuer (a did:key, no status list): (JSON-LD
    signed with eddsa-rdfc-2022, VC-JWT signed EdDSA), as a learner brings one from elsewhere."""
    private_key = keys.generate_ed25519()
    did = did_key_from_public(private_key.public_key())
    unsigned = {k: v for k, v in copy.deepcopy(template).items() if k not in ("proof", "credentialStatus")}
    unsigned["id"] = credential_id
    unsigned["issuer"] = {"id": did, "type": ["Profile"], "name": "Elsewhere College"}
    if valid_from:
        unsigned["validFrom"] = valid_from
    if name:
        unsigned["name"] = name
    method = f"{did}#{did.split(':')[-1]}"
    signed = data_integrity.sign(unsigned, private_key=private_key, verification_method=method)
    token = vc_jwt.encode(unsigned, private_key=private_key, kid=method, alg="EdDSA")
    return signed, token, (private_key, method)


def resign(document: dict, key_and_method, **changes) -> dict:
    """The same issuer's credential with `changes`, signed again (a newer or older copy)."""
    private_key, method = key_and_method
    unsigned = {k: v for k, v in copy.deepcopy(document).items() if k != "proof"}
    unsigned.update(changes)
    return data_integrity.sign(unsigned, private_key=private_key, verification_method=method)


@pytest.fixture(autouse=True)
def fresh_write_counts():
    """Each test starts with no writes counted (the rate limit counts by user id, which tests reuse)."""
    from django.core.cache import cache

    cache.clear()
