"""vc.schema: 1EdTech JSON Schema validation, offline, with issues a person can act on."""

import copy
import json
import socket
from pathlib import Path

import pytest

from vc import schema
from vc.errors import SchemaError

EXAMPLES = Path(__file__).parent / "fixtures" / "examples"

# Spec examples and validator fixtures that are meant to satisfy their 1EdTech schema.
VALID_EXAMPLES = {
    "ob_v3p0/basic-openbadgecredential.json": "AchievementCredential",
    "ob_v3p0/complete-openbadgecredential.json": "AchievementCredential",
    "ob_v3p0/endorsementcredential.json": "EndorsementCredential",
    "ob_v3p0/achievement-alignment-case.json": "AchievementCredential",
    "ob_v3p0/achievement-alignment-credential-engine.json": "AchievementCredential",
    "ob_v3p0/skill-assertion-case.json": "AchievementCredential",
    "ob_v3p0/skill-assertion-ctdl.json": "AchievementCredential",
    "clr_v2p0/impl-guide-ldp-credential.json": "ClrCredential",
    "clr_v2p0/impl-guide-ldp-document-before-signing.json": "ClrCredential",
    "clr_v2p0/impl-guide-ldp-signed-credential.json": "ClrCredential",
    "validator-fixtures/ob30-simple.json": "AchievementCredential",
    "validator-fixtures/ob30-complete.json": "AchievementCredential",
    "validator-fixtures/ob30-endorsement-valid.json": "EndorsementCredential",
    "validator-fixtures/ob30-bsl-credential-status-revoked.json": "AchievementCredential",
    "validator-fixtures/clr20-simple.json": "ClrCredential",
}


def load(name):
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


@pytest.fixture
def simple():
    return load("validator-fixtures/ob30-simple.json")


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("schema validation tried to open a network connection")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.mark.parametrize("name", sorted(VALID_EXAMPLES))
def test_every_spec_example_meant_to_be_valid_validates_against_its_schema(name, no_network):
    document = load(name)
    assert schema.kind_of(document) == VALID_EXAMPLES[name]
    assert schema.validate(document) == []
    schema.ensure_valid(document)


def test_a_document_missing_a_required_field_fails_with_the_path_and_rule_named(simple):
    del simple["credentialSubject"]["achievement"]["criteria"]
    issues = schema.validate(simple)
    assert [(i.path, i.rule) for i in issues] == [("$.credentialSubject.achievement.criteria", "required")]
    assert "criteria" in issues[0].message and "missing" in issues[0].message


def test_ensure_valid_raises_schema_error_listing_every_issue(simple):
    del simple["validFrom"]
    del simple["credentialSubject"]["achievement"]["name"]
    with pytest.raises(SchemaError) as caught:
        schema.ensure_valid(simple)
    paths = {i.path for i in caught.value.issues}
    assert paths == {"$.validFrom", "$.credentialSubject.achievement.name"}
    assert "$.validFrom" in caught.value.reason
    assert "AchievementCredential" in caught.value.reason


def test_it_checks_date_time_formats_offline(simple):
    simple["validFrom"] = "yesterday"
    simple["credentialSubject"]["activityEndDate"] = "2023-02-30T10:00:00Z"
    issues = schema.validate(simple)
    assert {(i.path, i.rule) for i in issues} == {
        ("$.validFrom", "format"),
        ("$.credentialSubject.activityEndDate", "format"),
    }
    assert "date-time" in issues[0].message


def test_it_accepts_date_times_with_an_offset_and_fractional_seconds(simple):
    simple["validFrom"] = "2024-06-01T08:30:00.123+02:00"
    assert schema.validate(simple) == []


def test_it_rejects_a_date_time_without_a_timezone(simple):
    simple["validFrom"] = "2024-06-01T08:30:00"
    assert [(i.path, i.rule) for i in schema.validate(simple)] == [("$.validFrom", "format")]


def test_it_names_the_enum_broken_by_an_unknown_achievement_type(simple):
    simple["credentialSubject"]["achievement"]["achievementType"] = "Diplomat"
    [issue] = schema.validate(simple)
    assert issue.path == "$.credentialSubject.achievement.achievementType"
    assert issue.rule == "enum"
    assert "Diplomat" in issue.message and "Certificate" in issue.message


def test_it_accepts_an_extension_achievement_type(simple):
    simple["credentialSubject"]["achievement"]["achievementType"] = "ext:Microschool"
    assert schema.validate(simple) == []


def test_it_reports_a_wrong_json_type_inside_an_array_by_index(simple):
    simple["credentialSubject"]["identifier"] = [
        {"type": "IdentityObject", "hashed": "yes", "identityHash": "x", "identityType": "emailAddress"}
    ]
    [issue] = schema.validate(simple)
    assert issue.path == "$.credentialSubject.identifier[0].hashed"
    assert issue.rule == "type"
    assert "boolean" in issue.message


def test_it_says_which_type_a_credential_must_carry(simple):
    simple["type"] = ["VerifiableCredential"]
    [issue] = schema.validate(simple, "AchievementCredential")
    assert (issue.path, issue.rule) == ("$.type", "contains")
    assert "OpenBadgeCredential" in issue.message


def test_a_plain_string_where_a_name_should_be_is_a_type_error(simple):
    simple["name"] = 5
    [issue] = schema.validate(simple)
    assert (issue.path, issue.rule) == ("$.name", "type")
    assert "string" in issue.message


def test_kind_of_picks_the_schema_from_the_type():
    assert (
        schema.kind_of({"type": ["VerifiableCredential", "OpenBadgeCredential"]}) == "AchievementCredential"
    )
    assert (
        schema.kind_of({"type": ["VerifiableCredential", "AchievementCredential"]}) == "AchievementCredential"
    )
    assert schema.kind_of({"type": ["VerifiableCredential", "ClrCredential"]}) == "ClrCredential"
    assert (
        schema.kind_of({"type": ["VerifiableCredential", "EndorsementCredential"]}) == "EndorsementCredential"
    )
    assert schema.kind_of({"type": "Profile"}) == "Profile"
    assert schema.kind_of({"type": ["VerifiableCredential", "BitstringStatusListCredential"]}) is None
    assert schema.kind_of("not a document") is None


def test_a_document_of_no_known_kind_gets_one_issue_on_its_type():
    [issue] = schema.validate({"type": ["VerifiableCredential"]})
    assert (issue.path, issue.rule) == ("$.type", "type")


def test_an_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError):
        schema.validate({}, "Diploma")


def test_the_vc_1_1_clr_fixture_fails_the_clr_2_0_schema_on_its_context_and_validFrom():
    issues = schema.validate(load("validator-fixtures/clr20-complex.json"))
    assert ("$.validFrom", "required") in {(i.path, i.rule) for i in issues}
    assert ('$["@context"][0]', "enum") in {(i.path, i.rule) for i in issues}


def test_the_examples_page_fragment_without_an_achievement_is_reported_as_such():
    issues = schema.validate(load("ob_v3p0/examples-page-complete-openbadgecredential-a.json"))
    assert ("$.credentialSubject.achievement", "required") in {(i.path, i.rule) for i in issues}


def test_a_clr_with_an_unknown_association_type_fails():
    clr = load("validator-fixtures/clr20-simple.json")
    clr = copy.deepcopy(clr)
    clr["credentialSubject"]["association"] = [
        {"type": "Association", "associationType": "isCousinOf", "sourceId": "urn:a", "targetId": "urn:b"}
    ]
    [issue] = schema.validate(clr)
    assert (issue.path, issue.rule) == ("$.credentialSubject.association[0].associationType", "enum")


def test_validators_are_compiled_once_per_kind():
    assert schema._validator("ClrCredential") is schema._validator("ClrCredential")


def test_schema_urls_are_the_published_purl_ids():
    assert schema.schema_url("AchievementCredential") == (
        "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
    )
    assert schema.SCHEMA_URLS["ClrCredential"].endswith(
        "/clr/v2p0/schema/json/clr_v2p0_clrcredential_schema.json"
    )


def _mutations(document):
    """Variants of a document with one member removed, emptied, or given a value of the wrong type."""

    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                yield (*path, key), value
                yield from walk(value, (*path, key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield (*path, index), value
                yield from walk(value, (*path, index))

    def replaced(node, path, value, delete=False):
        node = copy.deepcopy(node)
        target = node
        for part in path[:-1]:
            target = target[part]
        if delete:
            del target[path[-1]]
        else:
            target[path[-1]] = value
        return node

    for path, value in list(walk(document, ())):
        if isinstance(path[-1], str):
            yield replaced(document, path, None, delete=True)
        yield replaced(document, path, 12345 if isinstance(value, str) else "not-what-the-schema-wants")
        if isinstance(value, str) and (
            "Date" in str(path[-1]) or path[-1] in {"validFrom", "validUntil", "created"}
        ):
            yield replaced(document, path, "2026-02-30T25:00:00Z")


@pytest.mark.parametrize(
    "fixture",
    [
        "examples/validator-fixtures/ob30-complete.json",
        "examples/validator-fixtures/clr20-simple.json",
        "examples/validator-fixtures/ob30-endorsement-valid.json",
        "examples/ob_v3p0/complete-openbadgecredential.json",
    ],
)
def test_the_fast_validator_never_accepts_what_the_explaining_validator_refuses(fixture):
    document = json.loads((EXAMPLES.parent / fixture).read_text())
    document.pop("proof", None)
    kind = schema.kind_of(document)
    checked = 0
    for variant in _mutations(document):
        fast_says_valid = schema._fast_validator(kind).is_valid(variant)
        explained = list(schema._validator(kind).iter_errors(variant))
        if fast_says_valid:
            assert explained == [], (
                f"fast validator accepted a document jsonschema refuses: {explained[0].message}"
            )
        checked += 1
    assert checked > 30


# --- the VC 1.1 form (OB 3.0 before 3.0.3) -------------------------------------------------------

VC11_SAMPLE = Path(__file__).parents[1] / "interop" / "fixtures" / "vc11-ob30-eddsa-rdfc-2022.json"


@pytest.fixture
def vc11():
    """An OB 3.0 credential in the VC 1.1 data model, made by Digital Bazaar's stack."""
    return json.loads(VC11_SAMPLE.read_text(encoding="utf-8"))


def _rules(issues):
    return {(i.path, i.rule) for i in issues}


def test_a_vc_1_1_open_badge_meets_the_schema_in_its_vc_1_1_form_but_not_in_the_vc_2_0_form(vc11, no_network):
    assert schema.validate(vc11, data_model="1.1") == []
    schema.ensure_valid(vc11, data_model="1.1")
    as_published = _rules(schema.validate(vc11))
    assert {("$.validFrom", "required"), ('$["@context"][0]', "enum")} <= as_published


def test_the_vc_1_1_form_requires_issuance_date_where_the_schema_requires_valid_from(vc11):
    del vc11["issuanceDate"]
    vc11["validFrom"] = "2024-03-01T12:00:00Z"
    [issue] = schema.validate(vc11, data_model="1.1")
    assert (issue.path, issue.rule, issue.message) == (
        "$.issuanceDate",
        "required",
        "'issuanceDate' is required but missing",
    )


def test_the_vc_1_1_form_checks_issuance_and_expiration_dates_as_the_schema_checks_valid_from_and_until(vc11):
    vc11["issuanceDate"] = "1 March 2024"
    vc11["expirationDate"] = "2099-13-01T00:00:00Z"
    issues = schema.validate(vc11, data_model="1.1")
    assert _rules(issues) == {("$.issuanceDate", "format"), ("$.expirationDate", "format")}
    assert '"1 March 2024" is not a valid date-time' in {i.message for i in issues}


def test_the_vc_1_1_form_wants_the_vc_1_1_context_first(vc11):
    vc11["@context"][0] = "https://www.w3.org/ns/credentials/v2"
    [issue] = schema.validate(vc11, data_model="1.1")
    assert (issue.path, issue.rule) == ('$["@context"][0]', "enum")
    assert "https://www.w3.org/2018/credentials/v1" in issue.message
    vc11["@context"][0] = "https://www.w3.org/2018/credentials/v1"
    vc11["@context"][1] = "https://purl.imsglobal.org/spec/clr/v2p0/context.json"
    [issue] = schema.validate(vc11, data_model="1.1")
    assert (issue.path, issue.rule) == ('$["@context"][1]', "pattern")


def _as_vc_2_0(document):
    """The same credential in the VC 2.0 form: VC 2.0 context first, validFrom / validUntil."""
    out = copy.deepcopy(document)
    out["@context"][0] = "https://www.w3.org/ns/credentials/v2"
    for old, new in (("issuanceDate", "validFrom"), ("expirationDate", "validUntil")):
        if old in out:
            out[new] = out.pop(old)
    return out


def _break_criteria(d):
    del d["credentialSubject"]["achievement"]["criteria"]


def _break_achievement_type(d):
    d["credentialSubject"]["achievement"]["achievementType"] = "Trophy"


def _break_issuer(d):
    d["issuer"] = {"name": "No id"}


def _break_subject_type(d):
    d["credentialSubject"]["type"] = ["Subject"]


def _break_credential_type(d):
    d["type"] = ["VerifiableCredential"]


def _break_image(d):
    d["credentialSubject"]["achievement"]["image"] = {"type": "Image"}


@pytest.mark.parametrize(
    "breaks",
    [
        _break_criteria,
        _break_achievement_type,
        _break_issuer,
        _break_subject_type,
        _break_credential_type,
        _break_image,
        lambda d: [f(d) for f in (_break_criteria, _break_issuer, _break_subject_type)],
    ],
)
def test_every_other_rule_of_the_schema_applies_to_the_vc_1_1_form_as_to_the_vc_2_0_form(vc11, breaks):
    breaks(vc11)
    vc11_issues = schema.validate(vc11, data_model="1.1")
    vc2_issues = schema.validate(_as_vc_2_0(vc11))
    assert vc11_issues
    assert [(i.path, i.rule, i.message) for i in vc11_issues] == [
        (i.path, i.rule, i.message) for i in vc2_issues
    ]


def test_an_endorsement_embedded_in_a_vc_1_1_credential_is_judged_in_the_form_it_declares(vc11):
    endorsement = load("ob_v3p0/endorsementcredential.json")
    vc11["endorsement"] = [copy.deepcopy(endorsement)]
    assert schema.validate(vc11, data_model="1.1") == []  # a VC 2.0 endorsement, in its own form
    legacy = copy.deepcopy(endorsement)
    legacy["@context"][0] = "https://www.w3.org/2018/credentials/v1"
    legacy["issuanceDate"] = legacy.pop("validFrom")
    vc11["endorsement"] = [legacy]
    assert schema.validate(vc11, data_model="1.1") == []
    del legacy["issuanceDate"]
    assert ("$.endorsement[0].issuanceDate", "required") in _rules(schema.validate(vc11, data_model="1.1"))


def test_the_published_vc_2_0_form_is_unchanged_for_a_vc_2_0_credential(simple):
    assert schema.validate(simple) == schema.validate(simple, data_model="2.0") == []
    del simple["validFrom"]
    simple["issuanceDate"] = "2024-03-01T12:00:00Z"
    assert _rules(schema.validate(simple)) == {("$.validFrom", "required")}


def test_only_open_badges_credentials_have_a_vc_1_1_form_and_an_unknown_data_model_is_an_error(vc11):
    with pytest.raises(ValueError, match=r"VC 1\.1 form"):
        schema.validate(load("validator-fixtures/clr20-complex.json"), data_model="1.1")
    with pytest.raises(ValueError, match="data model"):
        schema.validate(vc11, data_model="3.0")
