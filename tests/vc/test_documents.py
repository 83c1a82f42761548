"""vc.documents: unsigned OB 3.0 / CLR 2.0 documents built from dataclasses, schema-checked."""

import copy
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from vc import documents as d
from vc import schema
from vc.canonical import canonize
from vc.errors import DocumentError, SchemaError, StatusError
from vc.status import BitstringStatusList, check_status, status_entry

EXAMPLES = Path(__file__).parent / "fixtures" / "examples"


def load(name):
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


ISSUER = d.Profile(
    id="https://portal.example/issuers/1", name="Example University", url="https://example.edu"
)

ALGEBRA = d.Achievement(
    id="https://portal.example/achievements/algebra-1",
    name="Algebra I",
    description="First course in algebra.",
    criteria=d.Criteria(narrative="Pass the final exam with a C or better."),
    achievement_type="Course",
)


def full_issuer():
    return d.Profile(
        id="https://portal.example/issuers/1",
        name="Example University",
        url="https://example.edu",
        email="registrar@example.edu",
        phone="+1 555 0100",
        description="A public university.",
        image="https://example.edu/logo.png",
        official="Registrar",
        address=d.Address(
            street_address="1 University Way",
            locality="Springfield",
            region="IL",
            postal_code="62701",
            country="United States",
            country_code="US",
            geo=d.GeoCoordinates(latitude=39.78, longitude=-89.65),
        ),
        other_identifiers=(d.IdentifierEntry(identifier="00123", identifier_type="systemId"),),
        parent_org=d.Profile(id="https://state.example/system", name="State University System"),
    )


def full_achievement():
    return d.Achievement(
        id="https://portal.example/achievements/calc",
        name="Calculus",
        description="Differential and integral calculus.",
        criteria=d.Criteria(
            id="https://portal.example/achievements/calc/criteria", narrative="Pass all units."
        ),
        achievement_type="ext:ModularCourse",
        image=d.Image(id="https://portal.example/img/calc.png", caption="Calculus badge"),
        alignments=(
            d.Alignment(
                target_name="Derivatives",
                target_url="https://case.example/uri/1234",
                target_description="Compute derivatives",
                target_framework="State Standards",
                target_code="MATH.C.1",
                target_type="CFItem",
            ),
        ),
        result_descriptions=(
            d.ResultDescription(
                id="urn:uuid:rd-grade",
                name="Final grade",
                result_type="LetterGrade",
                allowed_values=("F", "D", "C", "B", "A"),
                required_value="C",
            ),
            d.ResultDescription(
                id="urn:uuid:rd-rubric",
                name="Project rubric",
                result_type="RubricCriterionLevel",
                required_level="urn:uuid:level-proficient",
                rubric_criterion_levels=(
                    d.RubricCriterionLevel(
                        id="urn:uuid:level-proficient", name="Proficient", level="3", points="3"
                    ),
                    d.RubricCriterionLevel(
                        id="urn:uuid:level-mastered",
                        name="Mastered",
                        level="4",
                        points="4",
                        description="Exceeds",
                    ),
                ),
            ),
            d.ResultDescription(
                id="urn:uuid:rd-score", name="Score", result_type="RawScore", value_min="0", value_max="100"
            ),
        ),
        credits_available=4.0,
        field_of_study="Mathematics",
        human_code="MATH 201",
        in_language="en",
        specialization="Applied",
        tags=("math", "stem"),
        version="2024",
        other_identifiers=(d.IdentifierEntry(identifier="MATH-201", identifier_type="sourcedId"),),
        creator=ISSUER,
        related=(
            d.Related(id="https://portal.example/achievements/calc-fr", in_language="fr", version="2024"),
        ),
    )


def full_subject():
    return d.AchievementSubject(
        id="did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        identifiers=(d.IdentityObject.hashed_email("learner@example.com", salt="pepper"),),
        achievement=full_achievement(),
        results=(
            d.Result(result_description="urn:uuid:rd-grade", value="A"),
            d.Result(result_description="urn:uuid:rd-rubric", achieved_level="urn:uuid:level-mastered"),
            d.Result(status="Completed"),
        ),
        credits_earned=4.0,
        term="Fall 2024",
        activity_start_date=datetime(2024, 9, 1, tzinfo=UTC),
        activity_end_date="2024-12-15T17:00:00Z",
        license_number="LIC-1",
        role="Student",
        narrative="Completed with distinction.",
        image="https://portal.example/img/learner.png",
        source=ISSUER,
    )


def simple_credential(**overrides):
    arguments = {
        "id": "urn:uuid:6e5f9c2a-0000-4000-8000-000000000001",
        "issuer": ISSUER,
        "subject": d.AchievementSubject(id="did:example:learner", achievement=ALGEBRA),
        "name": "Algebra I",
        "valid_from": "2024-12-20T00:00:00Z",
    }
    arguments.update(overrides)
    return d.achievement_credential(**arguments)


def nulls(value, path="$"):
    if value is None:
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in nulls(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in nulls(v, f"{path}[{i}]")]
    return []


# ----------------------------------------------------------------------- AchievementCredential


def test_the_spec_basic_open_badge_credential_is_reproduced_exactly():
    expected = load("ob_v3p0/basic-openbadgecredential.json")
    built = d.achievement_credential(
        id="http://example.com/credentials/3527",
        issuer=d.Profile(id="https://example.com/issuers/876543", name="Example Corp"),
        subject=d.AchievementSubject(
            id="did:example:ebfeb1f712ebc6f1c276e12ec21",
            achievement=d.Achievement(
                id="https://example.com/achievements/21st-century-skills/teamwork",
                name="Teamwork",
                description="This badge recognizes the development of the capacity to collaborate within a "
                "group environment.",
                criteria=d.Criteria(
                    narrative="Team members are nominated for this badge by their peers and recognized upon "
                    "review by Example Corp management."
                ),
            ),
        ),
        name="Teamwork Badge",
        valid_from="2010-01-01T00:00:00Z",
        credential_schema=False,
    )
    assert built == expected


def test_an_achievement_credential_has_the_ob_contexts_types_and_schema_entry():
    credential = simple_credential()
    assert credential["@context"][:2] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    # 1EdTechJsonSchemaValidator2019 is defined by the extensions context.
    assert credential["@context"][2] == "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["credentialSchema"] == [
        {
            "id": "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json",
            "type": "1EdTechJsonSchemaValidator2019",
        }
    ]
    assert credential["credentialSubject"]["achievement"]["achievementType"] == "Course"
    assert schema.validate(credential) == []


def test_it_can_say_achievement_credential_instead_of_open_badge_credential():
    credential = simple_credential(type_name="AchievementCredential")
    assert credential["type"] == ["VerifiableCredential", "AchievementCredential"]
    with pytest.raises(DocumentError):
        simple_credential(type_name="Diploma")


def test_optional_fields_left_out_are_omitted_never_null():
    credential = simple_credential()
    assert nulls(credential) == []
    for absent in (
        "description",
        "image",
        "validUntil",
        "awardedDate",
        "evidence",
        "endorsement",
        "credentialStatus",
    ):
        assert absent not in credential
    subject = credential["credentialSubject"]
    assert set(subject) == {"id", "type", "achievement"}
    assert set(subject["achievement"]) == {"id", "type", "name", "description", "criteria", "achievementType"}


def test_a_credential_using_every_field_validates_and_is_complete_json_ld():
    credential = d.achievement_credential(
        id="urn:uuid:6e5f9c2a-0000-4000-8000-000000000002",
        issuer=full_issuer(),
        subject=full_subject(),
        name="Calculus",
        description="Awarded for completing Calculus.",
        image="https://portal.example/img/calc-credential.png",
        valid_from=datetime(2024, 12, 20, 9, 30, tzinfo=timezone(timedelta(hours=2))),
        valid_until="2034-12-20T00:00:00Z",
        awarded_date="2024-12-19T00:00:00Z",
        evidence=(
            d.Evidence(
                id="https://portal.example/evidence/1",
                narrative="Final project",
                name="Bridge model",
                description="A load-bearing bridge model.",
                genre="Project",
                audience="Teachers",
            ),
        ),
        credential_status=status_entry(list_url="https://portal.example/status/1", index=42),
    )
    assert schema.validate(credential) == []
    assert nulls(credential) == []
    assert credential["validFrom"] == "2024-12-20T07:30:00Z"
    subject = credential["credentialSubject"]
    assert subject["activityStartDate"] == "2024-09-01T00:00:00Z"
    assert subject["identifier"][0]["identityHash"].startswith("sha256$")
    assert [r.get("status") for r in subject["result"]] == [None, None, "Completed"]
    achievement = subject["achievement"]
    assert achievement["alignment"][0]["targetType"] == "CFItem"
    assert achievement["resultDescription"][1]["rubricCriterionLevel"][1]["points"] == "4"
    assert achievement["creditsAvailable"] == 4.0
    assert credential["issuer"]["address"]["geo"]["latitude"] == 39.78
    assert credential["issuer"]["parentOrg"]["name"] == "State University System"
    assert credential["credentialStatus"]["statusListIndex"] == "42"
    assert credential["evidence"][0]["genre"] == "Project"
    # Every member is defined by the contexts, so a Data Integrity proof covers all of it.
    assert canonize(credential, safe=True)


def test_a_hashed_email_identity_matches_the_spec_example():
    # OB 3.0 IdentityHash example: a@example.com salted with "Kosher".
    identity = d.IdentityObject.hashed_email("a@example.com", salt="Kosher")
    assert identity.to_dict() == {
        "type": "IdentityObject",
        "identityHash": "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399",
        "identityType": "emailAddress",
        "hashed": True,
        "salt": "Kosher",
    }
    assert identity.matches("a@example.com")
    assert not identity.matches("b@example.com")


def test_a_hashed_email_gets_a_random_salt_when_none_is_given():
    first = d.IdentityObject.hashed_email("a@example.com")
    second = d.IdentityObject.hashed_email("a@example.com")
    assert first.salt and second.salt and first.salt != second.salt
    assert first.identity_hash != second.identity_hash
    assert first.matches("a@example.com")


def test_a_subject_identified_only_by_a_hashed_email_is_valid():
    subject = d.AchievementSubject(
        identifiers=(d.IdentityObject.hashed_email("learner@example.com", salt="s"),), achievement=ALGEBRA
    )
    credential = simple_credential(subject=subject)
    assert "id" not in credential["credentialSubject"]
    assert credential["credentialSubject"]["identifier"][0]["identityType"] == "emailAddress"


def test_it_rejects_a_subject_with_neither_id_nor_identifier():
    with pytest.raises(DocumentError, match="id"):
        d.AchievementSubject(achievement=ALGEBRA)


def test_it_rejects_a_malformed_identity_hash():
    with pytest.raises(DocumentError):
        d.IdentityObject(identity_hash="learner@example.com")


def test_all_31_achievement_types_are_accepted_and_extensions_need_the_ext_prefix():
    assert len(d.ACHIEVEMENT_TYPES) == 31
    for achievement_type in d.ACHIEVEMENT_TYPES:
        d.Achievement(
            id="urn:a",
            name="n",
            description="x",
            criteria=d.Criteria(narrative="Do it."),
            achievement_type=achievement_type,
        )
    d.Achievement(
        id="urn:a",
        name="n",
        description="x",
        criteria=d.Criteria(narrative="Do it."),
        achievement_type="ext:Nanodegree",
    )
    with pytest.raises(DocumentError, match="Nanodegree"):
        d.Achievement(
            id="urn:a",
            name="n",
            description="x",
            criteria=d.Criteria(narrative="Do it."),
            achievement_type="Nanodegree",
        )


def test_it_rejects_an_unknown_result_status_and_alignment_target_type():
    for status in d.RESULT_STATUSES:
        d.Result(status=status)
    with pytest.raises(DocumentError):
        d.Result(status="Passed")
    with pytest.raises(DocumentError):
        d.Alignment(target_name="x", target_url="https://x.example", target_type="Standard")
    d.Alignment(target_name="x", target_url="https://x.example", target_type="ext:Standard")


def test_criteria_need_a_url_or_a_narrative():
    with pytest.raises(DocumentError, match="narrative"):
        d.Criteria()


def test_it_refuses_a_naive_datetime():
    with pytest.raises(DocumentError, match="time zone"):
        simple_credential(valid_from=datetime(2024, 1, 1))


def test_a_builder_never_emits_a_document_that_fails_its_schema():
    with pytest.raises(SchemaError) as caught:
        simple_credential(valid_from="next Tuesday")
    assert [(i.path, i.rule) for i in caught.value.issues] == [("$.validFrom", "format")]
    assert "validFrom" in caught.value.reason


def test_a_credential_status_entry_is_copied_so_later_changes_do_not_leak_in():
    entry = status_entry(list_url="https://portal.example/status/1", index=3)
    credential = simple_credential(credential_status=entry)
    entry["statusListIndex"] = "99"
    assert credential["credentialStatus"]["statusListIndex"] == "3"


def test_a_1edtech_revocation_list_status_brings_the_extensions_context():
    credential = simple_credential(
        credential_schema=False,
        credential_status={"id": "https://portal.example/revocations", "type": "1EdTechRevocationList"},
    )
    assert "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json" in credential["@context"]
    assert canonize(credential, safe=True)


# ----------------------------------------------------------------------- EndorsementCredential


def test_an_endorsement_credential_endorses_an_achievement_and_can_be_embedded():
    endorsement = d.endorsement_credential(
        id="urn:uuid:e0000000-0000-4000-8000-000000000001",
        issuer=d.Profile(id="https://state.example/board", name="State Board"),
        subject=d.EndorsementSubject(id=ALGEBRA.id, endorsement_comment="Meets state standards."),
        name="State Board endorsement of Algebra I",
        valid_from="2024-06-01T00:00:00Z",
    )
    assert endorsement["type"] == ["VerifiableCredential", "EndorsementCredential"]
    assert endorsement["credentialSubject"] == {
        "id": ALGEBRA.id,
        "type": ["EndorsementSubject"],
        "endorsementComment": "Meets state standards.",
    }
    assert schema.kind_of(endorsement) == "EndorsementCredential"
    assert schema.validate(endorsement) == []
    assert canonize(endorsement, safe=True)
    credential = simple_credential(endorsements=(endorsement,))
    assert credential["endorsement"] == [endorsement]
    assert credential["endorsement"][0] is not endorsement


def test_an_endorsement_needs_a_name():
    with pytest.raises(SchemaError) as caught:
        d.endorsement_credential(
            id="urn:uuid:e1",
            issuer=ISSUER,
            subject=d.EndorsementSubject(id=ALGEBRA.id),
            name="",
            valid_from="2024-06-01T00:00:00Z",
        )
    assert ("$.name", "required") in {(i.path, i.rule) for i in caught.value.issues}


# ----------------------------------------------------------------------- Profile


def test_a_standalone_issuer_profile_validates_against_the_profile_schema():
    document = d.profile(full_issuer())
    assert document["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert document["type"] == ["Profile"]
    assert document["otherIdentifier"] == [
        {"type": "IdentifierEntry", "identifier": "00123", "identifierType": "systemId"}
    ]
    assert schema.kind_of(document) == "Profile"
    assert schema.validate(document, "Profile") == []
    assert canonize(document, safe=True)


def test_a_profile_date_of_birth_is_written_as_a_date():
    person = d.Profile(
        id="did:example:p",
        given_name="Ada",
        family_name="Lovelace",
        date_of_birth=datetime(1815, 12, 10).date(),
    )
    assert d.profile(person)["dateOfBirth"] == "1815-12-10"


# ----------------------------------------------------------------------- ClrCredential


def signed_badge():
    return load("validator-fixtures/ob30-simple.json")


def test_the_validator_clr_fixture_is_reproduced_apart_from_its_proof():
    expected = load("validator-fixtures/clr20-simple.json")
    del expected["proof"]
    issuer = d.Profile(id="https://example.edu/issuers/565049", name="Example University")
    creator = d.Profile(id="https://example.edu/issuers/565049")

    def achievement(uuid, n):
        return d.Achievement(
            id=f"urn:uuid:{uuid}",
            name=f"Achievement {n}",
            description=f"Achievement {n}",
            criteria=d.Criteria(id=f"https://example.edu/achievements/{uuid}/criteria"),
            image="https://example.edu/achievements/sample.png",
            creator=creator,
        )

    first = achievement("a7467ef6-56cb-11ec-bf63-0242ac130002", 1)
    second = achievement("dd887f0a-56cb-11ec-bf63-0242ac130002", 2)
    built = d.clr_credential(
        id="http://example.edu/credentials/3732",
        issuer=issuer,
        name="Sample Transcript",
        valid_from="2010-01-01T00:00:00Z",
        subject=d.ClrSubject(
            id="did:example:ebfeb1f712ebc6f1c276e12ec21",
            verifiable_credentials=tuple(expected["credentialSubject"]["verifiableCredential"]),
            achievements=(first, second),
            associations=(
                d.Association(association_type="isParentOf", source_id=first.id, target_id=second.id),
            ),
        ),
    )
    assert built == expected


def test_a_clr_has_the_clr_context_order_and_wraps_signed_credentials_unchanged():
    badge = signed_badge()
    before = copy.deepcopy(badge)
    clr = d.clr_credential(
        id="urn:uuid:c1",
        issuer=ISSUER,
        name="Transcript",
        valid_from="2024-12-20T00:00:00Z",
        subject=d.ClrSubject(id="did:example:learner", verifiable_credentials=(badge,)),
    )
    # The ClrCredential schema wants [VC v2, CLR 2.0.x, OB 3.0.x, ...] in that order.
    assert clr["@context"][:3] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert clr["type"] == ["VerifiableCredential", "ClrCredential"]
    assert clr["credentialSubject"]["type"] == ["ClrSubject"]
    assert clr["credentialSubject"]["verifiableCredential"] == [before]
    assert clr["credentialSubject"]["verifiableCredential"][0]["proof"] == before["proof"]
    assert clr["credentialSchema"][0]["id"].endswith("clr_v2p0_clrcredential_schema.json")
    assert "partial" not in clr
    assert schema.validate(clr) == []
    assert canonize(clr, safe=True)


def test_a_clr_marks_a_subset_as_partial():
    clr = d.clr_credential(
        id="urn:uuid:c2",
        issuer=ISSUER,
        name="Latest achievement",
        valid_from="2024-12-20T00:00:00Z",
        partial=True,
        subject=d.ClrSubject(id="did:example:learner", verifiable_credentials=(signed_badge(),)),
    )
    assert clr["partial"] is True
    assert schema.validate(clr) == []


def test_a_clr_association_links_achievements_it_holds():
    badge = signed_badge()
    badge_achievement_id = badge["credentialSubject"]["achievement"]["id"]
    program = d.Achievement(
        id="https://portal.example/achievements/program",
        name="Program",
        description="p",
        criteria=d.Criteria(narrative="Do it."),
    )
    clr = d.clr_credential(
        id="urn:uuid:c3",
        issuer=ISSUER,
        name="Transcript",
        valid_from="2024-12-20T00:00:00Z",
        subject=d.ClrSubject(
            identifiers=(d.IdentityObject.hashed_email("learner@example.com", salt="s"),),
            verifiable_credentials=(badge,),
            achievements=(program,),
            associations=(
                d.Association(
                    association_type="isChildOf", source_id=badge_achievement_id, target_id=program.id
                ),
            ),
        ),
    )
    assert clr["credentialSubject"]["association"] == [
        {
            "type": "Association",
            "associationType": "isChildOf",
            "sourceId": badge_achievement_id,
            "targetId": program.id,
        }
    ]
    assert "id" not in clr["credentialSubject"]
    with pytest.raises(DocumentError, match="urn:nowhere"):
        d.clr_credential(
            id="urn:uuid:c4",
            issuer=ISSUER,
            name="Transcript",
            valid_from="2024-12-20T00:00:00Z",
            subject=d.ClrSubject(
                id="did:example:learner",
                verifiable_credentials=(badge,),
                associations=(
                    d.Association(
                        association_type="isPeerOf", source_id=badge_achievement_id, target_id="urn:nowhere"
                    ),
                ),
            ),
        )


def test_the_clr_association_types_are_the_clr_2_0_vocabulary():
    assert set(d.ASSOCIATION_TYPES) == {
        "exactMatchOf",
        "isChildOf",
        "isParentOf",
        "isPartOf",
        "isPeerOf",
        "isRelatedTo",
        "precedes",
        "replacedBy",
    }
    with pytest.raises(DocumentError):
        d.Association(association_type="isCousinOf", source_id="urn:a", target_id="urn:b")


def test_a_clr_needs_at_least_one_credential_and_a_learner():
    with pytest.raises(DocumentError, match="at least one"):
        d.ClrSubject(id="did:example:learner", verifiable_credentials=())
    with pytest.raises(DocumentError, match="identifier"):
        d.ClrSubject(verifiable_credentials=(signed_badge(),))
    with pytest.raises(DocumentError):
        d.ClrSubject(id="did:example:learner", verifiable_credentials=("eyJhbGciOi...",)).to_dict()


# ----------------------------------------------------------------------- BitstringStatusListCredential


def test_a_status_list_credential_publishes_the_list_for_check_status():
    bits = BitstringStatusList()
    bits.set(42)
    url = "https://portal.example/status/1"
    list_credential = d.status_list_credential(
        id=url, issuer=ISSUER, status_list=bits, valid_from="2024-12-20T00:00:00Z", ttl=300000
    )
    assert list_credential["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert list_credential["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert list_credential["issuer"] == ISSUER.id
    subject = list_credential["credentialSubject"]
    assert subject["type"] == "BitstringStatusList"
    assert subject["statusPurpose"] == "revocation"
    assert subject["id"] == f"{url}#list"
    assert subject["encodedList"].startswith("u")
    assert canonize(list_credential, safe=True)
    revoked = simple_credential(credential_status=status_entry(list_url=url, index=42))
    kept = simple_credential(credential_status=status_entry(list_url=url, index=41))
    fetch = {url: list_credential}.__getitem__
    assert check_status(revoked, fetch=fetch).state == "revoked"
    assert check_status(kept, fetch=fetch).state == "not revoked"


def test_a_suspension_list_says_so_and_unknown_purposes_are_refused():
    document = d.status_list_credential(
        id="https://portal.example/status/s",
        issuer="did:web:portal.example",
        status_list=BitstringStatusList(),
        purpose="suspension",
        valid_from="2024-12-20T00:00:00Z",
    )
    assert document["credentialSubject"]["statusPurpose"] == "suspension"
    assert document["issuer"] == "did:web:portal.example"
    with pytest.raises(StatusError):
        d.status_list_credential(
            id="https://portal.example/status/m",
            issuer=ISSUER,
            status_list=BitstringStatusList(),
            purpose="message",
            valid_from="2024-12-20T00:00:00Z",
        )
