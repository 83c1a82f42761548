"""GET credentials of the 1EdTech service API (OB 3.0 / CLR 2.0 6.2.2): the authorising learner's
credentials, by pages, with the headers the spec names, and nothing of anyone else."""

import datetime
import json

import pytest
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application, set_token_value

from credentials.models import IssuedCredential
from credentials.verification import credential_verify
from vc import jwt as vc_jwt
from wallet.services import external_credential_confirm, external_credential_import

from .ims_support import (  # noqa: F401  (fixtures)
    CLR,
    CLR_READ,
    OB,
    OB_READ,
    OB_UPSERT,
    assert_valid,
    bearer,
    elsewhere_credential,
    fresh_write_counts,
    learner_with_courses,
    make_token,
    status_info,
)

pytestmark = pytest.mark.django_db
URL = "http://testserver/ims/ob/v3p0/credentials"


@pytest.fixture
def five(institution, issue):
    """A learner with five issued course credentials, signed one after the other."""
    user, learner, awards = learner_with_courses(institution, 5)
    credentials = [issue(award) for award in awards]
    start = timezone.now() - datetime.timedelta(days=10)
    for n, credential in enumerate(credentials):  # one a day, in the order issued
        IssuedCredential.objects.filter(pk=credential.pk).update(signed_at=start + datetime.timedelta(days=n))
    return user, learner, credentials


def _get(client, path, token, **params):
    return client.get(path, params, **bearer(token))


def _links(response) -> dict[str, str]:
    links = {}
    for part in response["Link"].split(", "):
        target, rel = part.split("; ")
        links[rel.removeprefix('rel="').removesuffix('"')] = target.strip("<>")
    return links


def test_a_page_has_the_total_and_first_last_next_links_and_no_prev_on_the_first_page(client, five):
    user, _learner, credentials = five
    response = _get(client, OB + "credentials", make_token(user, OB_READ), limit=2)

    assert response.status_code == 200
    body = response.json()
    assert_valid("ob_credentials", body)
    assert response["X-Total-Count"] == "5"
    assert response["Cache-Control"] == "no-store"
    assert _links(response) == {
        "first": f"{URL}?limit=2&offset=0",
        "last": f"{URL}?limit=2&offset=4",
        "next": f"{URL}?limit=2&offset=2",
    }
    assert [c["id"] for c in body["credential"]] == [credentials[0].url, credentials[1].url]


def test_a_middle_page_links_back_and_on_and_the_last_page_only_back(client, five):
    user, _learner, credentials = five
    token = make_token(user, OB_READ)

    middle = _get(client, OB + "credentials", token, limit=2, offset=2)
    last = _get(client, OB + "credentials", token, limit=2, offset=4)

    assert _links(middle) == {
        "first": f"{URL}?limit=2&offset=0", "last": f"{URL}?limit=2&offset=4",
        "next": f"{URL}?limit=2&offset=4", "prev": f"{URL}?limit=2&offset=0",
    }  # fmt: skip
    assert _links(last) == {
        "first": f"{URL}?limit=2&offset=0", "last": f"{URL}?limit=2&offset=4", "prev": f"{URL}?limit=2&offset=2",
    }  # fmt: skip
    assert [c["id"] for c in last.json()["credential"]] == [credentials[4].url]
    assert last["X-Total-Count"] == "5"


def test_an_offset_past_the_end_is_an_empty_page_that_still_links_first_last_and_prev(client, five):
    user, _learner, _credentials = five
    response = _get(client, OB + "credentials", make_token(user, OB_READ), limit=2, offset=7)

    assert response.json() == {"credential": [], "compactJwsString": []}
    assert _links(response) == {
        "first": f"{URL}?limit=2&offset=0", "last": f"{URL}?limit=2&offset=4", "prev": f"{URL}?limit=2&offset=5",
    }  # fmt: skip


def test_a_learner_without_credentials_gets_an_empty_list_with_first_and_last(client, institution):
    user, _learner, _awards = learner_with_courses(institution, 0)
    response = _get(client, OB + "credentials", make_token(user, OB_READ))

    assert response.json() == {"credential": [], "compactJwsString": []}
    assert response["X-Total-Count"] == "0"
    assert _links(response) == {"first": f"{URL}?limit=100&offset=0", "last": f"{URL}?limit=100&offset=0"}


def test_since_keeps_only_credentials_issued_after_it_and_the_links_keep_it(client, five):
    user, _learner, credentials = five
    since = IssuedCredential.objects.get(pk=credentials[2].pk).signed_at
    response = _get(client, OB + "credentials", make_token(user, OB_READ), limit=1, since=since.isoformat())

    assert response["X-Total-Count"] == "2"
    assert [c["id"] for c in response.json()["credential"]] == [credentials[3].url]
    assert "since=" in _links(response)["next"]
    unencoded = client.get(f"{OB}credentials?since={since.isoformat()}", **bearer(make_token(user, OB_READ)))
    assert unencoded["X-Total-Count"] == "2"  # its "+00:00" arrived as " 00:00"


def test_since_with_an_offset_postgresql_cannot_store_is_read_in_utc(client, five):
    user, _learner, credentials = five
    since = IssuedCredential.objects.get(pk=credentials[2].pk).signed_at.astimezone(
        datetime.timezone(-datetime.timedelta(hours=18, minutes=11))
    )
    response = _get(client, OB + "credentials", make_token(user, OB_READ), since=since.isoformat())

    assert response["X-Total-Count"] == "2"
    far = _get(client, OB + "credentials", make_token(user, OB_READ), since="0001-01-01T00:00:00+23:59")
    assert far.status_code == 400


def test_each_portal_credential_comes_as_json_ld_and_as_its_vc_jwt_and_both_verify(client, five):
    user, _learner, credentials = five
    body = _get(client, OB + "credentials", make_token(user, OB_READ), limit=5).json()

    assert len(body["credential"]) == len(body["compactJwsString"]) == 5
    for document, token in zip(body["credential"], body["compactJwsString"], strict=True):
        assert credential_verify(document_or_jwt=document).verdict == "verified"
        assert credential_verify(document_or_jwt=token).verdict == "verified"
        _header, claims, _input, _signature = vc_jwt.decode_unverified(token)
        assert claims["vc"]["id"] == document["id"]
    assert body["credential"][0] == credentials[0].document


def test_a_learners_token_never_returns_another_learners_credentials(client, institution, five, issue):
    _user_a, _learner_a, credentials_a = five
    user_b, _learner_b, awards_b = learner_with_courses(institution, 1, prefix="B")
    mine = issue(awards_b[0])

    body = _get(client, OB + "credentials", make_token(user_b, OB_READ)).json()

    assert [c["id"] for c in body["credential"]] == [mine.url]
    assert not {c.url for c in credentials_a} & {c["id"] for c in body["credential"]}


def test_the_clr_endpoint_gives_the_learners_clr_and_the_ob_endpoint_does_not(
    client, institution, issue, issue_clr
):
    user, learner, awards = learner_with_courses(institution, 2)
    for award in awards:
        issue(award)
    clr = issue_clr(learner)

    clrs = _get(client, CLR + "credentials", make_token(user, CLR_READ))
    badges = _get(client, OB + "credentials", make_token(user, OB_READ))

    assert_valid("clr_credentials", clrs.json())
    assert [c["id"] for c in clrs.json()["credential"]] == [clr.url]
    assert clrs["X-Total-Count"] == "1"
    assert clr.url not in {c["id"] for c in badges.json()["credential"]}
    assert badges["X-Total-Count"] == "2"


def test_an_open_badges_token_does_not_read_clrs_nor_a_clr_token_badges(client, five):
    user, _learner, _credentials = five
    status_info(_get(client, CLR + "credentials", make_token(user, OB_READ)), 403, "forbidden", "clr")
    response = _get(client, OB + "credentials", make_token(user, CLR_READ))
    status_info(response, 403, "forbidden")
    assert 'error="insufficient_scope"' in response["WWW-Authenticate"]


def test_an_upsert_only_token_cannot_read(client, five):
    user, _learner, _credentials = five
    status_info(_get(client, OB + "credentials", make_token(user, OB_UPSERT)), 403, "forbidden")


def test_no_token_a_wrong_one_or_an_expired_one_is_401_with_a_bearer_challenge(client, five):
    user, _learner, _credentials = five
    expired = make_token(user, OB_READ, expires_in=-10)
    for headers in ({}, bearer("not-a-token"), bearer(expired), {"HTTP_AUTHORIZATION": "Basic dXNlcjpwdw=="}):
        response = client.get(OB + "credentials", **headers)
        status_info(response, 401, "unauthorizedrequest")
        assert response["WWW-Authenticate"].startswith("Bearer ")


def test_a_signed_in_session_without_a_token_is_401(client, login, five):
    user, _learner, _credentials = five
    login(user)
    status_info(client.get(OB + "credentials"), 401, "unauthorizedrequest")


def test_a_token_of_an_institution_system_without_a_learner_is_refused(client, five):
    application = Application.objects.create(
        name="SIS", client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
    )  # fmt: skip
    token = AccessToken(
        user=None,
        application=application,
        scope=OB_READ,
        expires=timezone.now() + datetime.timedelta(hours=1),
    )
    set_token_value(token, "sis-token-0123456789")
    token.save()
    status_info(client.get(OB + "credentials", **bearer("sis-token-0123456789")), 403, "forbidden")


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "-1"},
        {"limit": "ten"},
        {"offset": "-2"},
        {"offset": "1.5"},
        {"since": "yesterday"},
    ],
)
def test_bad_paging_parameters_are_400_invalid_query_parameter(client, five, params):
    user, _learner, _credentials = five
    status_info(
        _get(client, OB + "credentials", make_token(user, OB_READ), **params), 400, "invalid_query_parameter"
    )


def test_a_limit_over_the_maximum_is_capped_and_the_links_say_so(client, five):
    user, _learner, _credentials = five
    response = _get(client, OB + "credentials", make_token(user, OB_READ), limit=5000)
    assert _links(response)["first"] == f"{URL}?limit=100&offset=0"
    assert len(response.json()["credential"]) == 5


def test_other_methods_are_405_with_allow_and_unknown_resources_404(client, five):
    user, _learner, _credentials = five
    token = make_token(user, OB_READ)
    response = client.delete(OB + "credentials", **bearer(token))
    status_info(response, 405, "not_allowed")
    assert response["Allow"] == "GET, POST"
    status_info(client.get(OB + "credentialz", **bearer(token)), 404, "not_found")
    status_info(client.get(CLR + "nothing/here", **bearer(token)), 404, "not_found", "clr")


def test_revoked_credentials_are_left_out(client, five):
    user, _learner, credentials = five
    IssuedCredential.objects.filter(pk=credentials[0].pk).update(revoked_at=timezone.now())
    response = _get(client, OB + "credentials", make_token(user, OB_READ))
    assert response["X-Total-Count"] == "4"
    assert credentials[0].url not in {c["id"] for c in response.json()["credential"]}


def test_badges_the_learner_imported_on_the_wallet_pages_come_after_the_portals(client, five):
    user, _learner, credentials = five
    document, token, _key = elsewhere_credential(
        credentials[0].document, credential_id="https://badges.elsewhere.example/1"
    )
    external_credential_import(owner=user, data=json.dumps(document).encode(), original_name="b.json")
    external_credential_import(owner=user, data=token.encode(), original_name="b.jwt")

    response = _get(client, OB + "credentials", make_token(user, OB_READ), limit=2, offset=4)

    body = response.json()
    assert_valid("ob_credentials", body)
    assert response["X-Total-Count"] == "7"
    assert [c["id"] for c in body["credential"]] == [credentials[4].url, document["id"]]
    assert body["credential"][1] == document
    last = _get(client, OB + "credentials", make_token(user, OB_READ), limit=2, offset=6).json()
    assert last == {"credential": [], "compactJwsString": [token]}


def test_an_import_that_failed_verification_stays_in_the_wallet_but_is_not_handed_on(client, five):
    user, _learner, credentials = five
    document, _token, _key = elsewhere_credential(
        credentials[0].document, credential_id="https://elsewhere.example/9"
    )
    tampered = dict(document, name="Tampered")
    external = external_credential_import(
        owner=user, data=json.dumps(tampered).encode(), original_name="t.json"
    )
    external_credential_confirm(external=external, actor=user)

    response = _get(client, OB + "credentials", make_token(user, OB_READ))

    assert response["X-Total-Count"] == "5"
