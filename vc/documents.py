"""Builders for unsigned OB 3.0 / CLR 2.0 documents from frozen dataclasses.

Each builder returns a plain JSON-ready dict and checks it against its 1EdTech JSON Schema first:
builders never emit a document that fails its schema (they raise SchemaError instead).
Optional members that are None or empty are left out, never written as null.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from vc import schema
from vc.errors import DocumentError, SchemaError, StatusError
from vc.status import BitstringStatusList

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3P0 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CLR_V2P0 = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
# Defines 1EdTechJsonSchemaValidator2019, 1EdTechRevocationList and 1EdTechCredentialRefresh.
OB_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"

# OB 3.0 8.1 / VC 2.0 4.3: a VC v2 context first, then the OB 3.0 context.
OB_CONTEXT = (VC_V2, OB_V3P0)
# CLR 2.0 schema: [VC v2, CLR 2.0.x, OB 3.0.x, ...] in this order (the ClrCredential schema's `items`).
CLR_CONTEXT = (VC_V2, CLR_V2P0, OB_V3P0)

JSON_SCHEMA_VALIDATOR = "1EdTechJsonSchemaValidator2019"

# OB 3.0 B.1.3 AchievementType enumeration (31 values); others must be `ext:` extensions.
ACHIEVEMENT_TYPES = (
    "Achievement",
    "ApprenticeshipCertificate",
    "Assessment",
    "Assignment",
    "AssociateDegree",
    "Award",
    "Badge",
    "BachelorDegree",
    "Certificate",
    "CertificateOfCompletion",
    "Certification",
    "CommunityService",
    "Competency",
    "Course",
    "CoCurricular",
    "Degree",
    "Diploma",
    "DoctoralDegree",
    "Fieldwork",
    "GeneralEducationDevelopment",
    "JourneymanCertificate",
    "LearningProgram",
    "License",
    "Membership",
    "ProfessionalDoctorate",
    "QualityAssuranceCredential",
    "MasterCertificate",
    "MasterDegree",
    "MicroCredential",
    "ResearchDoctorate",
    "SecondarySchoolDiploma",
)

# OB 3.0 B.1.3 AlignmentTargetType (extensible with `ext:`).
ALIGNMENT_TARGET_TYPES = (
    "ceasn:Competency",
    "ceterms:Credential",
    "CFItem",
    "CFRubric",
    "CFRubricCriterion",
    "CFRubricCriterionLevel",
    "CTDL",
)

# OB 3.0 B.1.3 ResultType (extensible with `ext:`).
RESULT_TYPES = (
    "GradePointAverage",
    "LetterGrade",
    "Percent",
    "PerformanceLevel",
    "PredictedScore",
    "RawScore",
    "Result",
    "RubricCriterion",
    "RubricCriterionLevel",
    "RubricScore",
    "ScaledScore",
    "Status",
)

# OB 3.0 B.1.3 ResultStatusType (closed).
RESULT_STATUSES = ("Completed", "Enrolled", "Failed", "InProgress", "OnHold", "Provisional", "Withdrew")

# OB 3.0 B.1.3 IdentifierTypeEnum (extensible with `ext:`).
IDENTIFIER_TYPES = (
    "name",
    "sourcedId",
    "systemId",
    "productId",
    "userName",
    "accountId",
    "emailAddress",
    "nationalIdentityNumber",
    "isbn",
    "issn",
    "lisSourcedId",
    "oneRosterSourcedId",
    "sisSourcedId",
    "ltiContextId",
    "ltiDeploymentId",
    "ltiToolId",
    "ltiPlatformId",
    "ltiUserId",
    "identifier",
)

# CLR 2.0 B.1.3 AssociationType (closed): the values the CLR 2.0 schema accepts.
ASSOCIATION_TYPES = (
    "exactMatchOf",
    "isChildOf",
    "isParentOf",
    "isPartOf",
    "isPeerOf",
    "isRelatedTo",
    "precedes",
    "replacedBy",
)

# OB 3.0 B.1.3: extension values of an EnumExt are "ext:" followed by a name.
_EXT = re.compile(r"^ext:[A-Za-z0-9._-]+$")


def _check_enum(value: str | None, allowed: Sequence[str], what: str, *, extensible: bool) -> None:
    if value is None or value in allowed:
        return
    if extensible and _EXT.match(value):
        return
    hint = " or an 'ext:' extension" if extensible else ""
    raise DocumentError(f"{value!r} is not a valid {what}; use one of {', '.join(allowed)}{hint}.")


def _compact(members: Mapping[str, Any]) -> dict:
    """Drop members that are None or empty (OB 3.0: optional fields are omitted, never null)."""
    return {
        k: v
        for k, v in members.items()
        if v is not None and not (isinstance(v, str | list | tuple | dict) and not v)
    }


def _timestamp(value: datetime | str | None, what: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            # OB 3.0 B.2 DateTimeZ: validFrom and friends carry a time zone.
            raise DocumentError(f"{what} needs a time zone; got a naive datetime {value.isoformat()}.")
        return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    raise DocumentError(f"{what} must be a datetime or an ISO 8601 string, not {type(value).__name__}.")


def _date(value: date | str | None) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return value.isoformat()


def _dicts(items: Iterable[Any]) -> list:
    return [item.to_dict() for item in items]


def _passthrough(items: Iterable[Mapping], what: str) -> list[dict]:
    out = []
    for item in items:
        if not isinstance(item, Mapping):
            raise DocumentError(f"Each {what} must be a credential object (dict), not {type(item).__name__}.")
        out.append(_json_copy(item))
    return out


def _json_copy(value):
    """A copy of JSON data (dicts, lists, scalars), three times faster than `copy.deepcopy`, which a
    ClrCredential spent on its ~45 nested credentials."""
    if isinstance(value, Mapping):
        return {key: _json_copy(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_copy(item) for item in value]
    return value


# --------------------------------------------------------------------------------------------- parts


@dataclass(frozen=True, kw_only=True)
class Image:
    """OB 3.0 Image: a URL or data: URI, with an optional caption."""

    id: str
    caption: str | None = None

    def to_dict(self) -> dict:
        """The Image as JSON."""
        # OB 3.0 B.1.2 Image: type MUST be the IRI 'Image'.
        return _compact({"id": self.id, "type": "Image", "caption": self.caption})


def _image(value: Image | str | None) -> dict | None:
    if value is None:
        return None
    return (Image(id=value) if isinstance(value, str) else value).to_dict()


@dataclass(frozen=True, kw_only=True)
class GeoCoordinates:
    """OB 3.0 GeoCoordinates."""

    latitude: float
    longitude: float

    def to_dict(self) -> dict:
        """The coordinates as JSON."""
        return {"type": "GeoCoordinates", "latitude": self.latitude, "longitude": self.longitude}


@dataclass(frozen=True, kw_only=True)
class Address:
    """OB 3.0 Address (a postal address)."""

    street_address: str | None = None
    post_office_box_number: str | None = None
    locality: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None
    country_code: str | None = None
    geo: GeoCoordinates | None = None

    def to_dict(self) -> dict:
        """The Address as JSON."""
        return _compact(
            {
                "type": ["Address"],
                "streetAddress": self.street_address,
                "postOfficeBoxNumber": self.post_office_box_number,
                "addressLocality": self.locality,
                "addressRegion": self.region,
                "postalCode": self.postal_code,
                "addressCountry": self.country,
                "addressCountryCode": self.country_code,
                "geo": self.geo.to_dict() if self.geo else None,
            }
        )


@dataclass(frozen=True, kw_only=True)
class IdentifierEntry:
    """OB 3.0 IdentifierEntry (an `otherIdentifier` value), e.g. a SIS id or a national number."""

    identifier: str
    identifier_type: str = "identifier"

    def __post_init__(self):
        _check_enum(self.identifier_type, IDENTIFIER_TYPES, "identifierType", extensible=True)

    def to_dict(self) -> dict:
        """The IdentifierEntry as JSON."""
        return {
            "type": "IdentifierEntry",
            "identifier": self.identifier,
            "identifierType": self.identifier_type,
        }


@dataclass(frozen=True, kw_only=True)
class Profile:
    """OB 3.0 Profile: an issuer, creator, endorser or source organisation (or person)."""

    id: str
    name: str | None = None
    url: str | None = None
    email: str | None = None
    phone: str | None = None
    description: str | None = None
    image: Image | str | None = None
    address: Address | None = None
    other_identifiers: tuple[IdentifierEntry, ...] = ()
    official: str | None = None
    parent_org: Profile | None = None
    given_name: str | None = None
    family_name: str | None = None
    additional_name: str | None = None
    date_of_birth: date | str | None = None
    endorsements: tuple[Mapping, ...] = ()

    def to_dict(self) -> dict:
        """The Profile as JSON (no @context: for embedding)."""
        return _compact(
            {
                "id": self.id,
                "type": ["Profile"],
                "name": self.name,
                "url": self.url,
                "email": self.email,
                "phone": self.phone,
                "description": self.description,
                "image": _image(self.image),
                "address": self.address.to_dict() if self.address else None,
                "otherIdentifier": _dicts(self.other_identifiers),
                "official": self.official,
                "parentOrg": self.parent_org.to_dict() if self.parent_org else None,
                "givenName": self.given_name,
                "familyName": self.family_name,
                "additionalName": self.additional_name,
                "dateOfBirth": _date(self.date_of_birth),
                "endorsement": _passthrough(self.endorsements, "endorsement"),
            }
        )


@dataclass(frozen=True, kw_only=True)
class Criteria:
    """OB 3.0 Criteria: a URL describing the criteria and/or a Markdown narrative."""

    id: str | None = None
    narrative: str | None = None

    def __post_init__(self):
        # An empty criteria object tells a reader nothing; the schema requires the member, so fill it.
        if not self.id and not self.narrative:
            raise DocumentError("Criteria need a URL (id) or a narrative.")

    def to_dict(self) -> dict:
        """The Criteria as JSON."""
        return _compact({"id": self.id, "narrative": self.narrative})


@dataclass(frozen=True, kw_only=True)
class Alignment:
    """OB 3.0 Alignment to a competency, standard or framework item (CASE CFItem, CTDL, ...)."""

    target_name: str
    target_url: str
    target_description: str | None = None
    target_framework: str | None = None
    target_code: str | None = None
    target_type: str | None = None

    def __post_init__(self):
        _check_enum(self.target_type, ALIGNMENT_TARGET_TYPES, "alignment targetType", extensible=True)

    def to_dict(self) -> dict:
        """The Alignment as JSON."""
        return _compact(
            {
                "type": ["Alignment"],
                "targetName": self.target_name,
                "targetUrl": self.target_url,
                "targetDescription": self.target_description,
                "targetFramework": self.target_framework,
                "targetCode": self.target_code,
                "targetType": self.target_type,
            }
        )


@dataclass(frozen=True, kw_only=True)
class RubricCriterionLevel:
    """OB 3.0 RubricCriterionLevel: one level of a rubric criterion (points are text in OB 3.0)."""

    id: str
    name: str
    level: str | None = None
    points: str | None = None
    description: str | None = None
    alignments: tuple[Alignment, ...] = ()

    def to_dict(self) -> dict:
        """The level as JSON."""
        return _compact(
            {
                "id": self.id,
                "type": ["RubricCriterionLevel"],
                "name": self.name,
                "level": self.level,
                "points": self.points,
                "description": self.description,
                "alignment": _dicts(self.alignments),
            }
        )


@dataclass(frozen=True, kw_only=True)
class ResultDescription:
    """OB 3.0 ResultDescription: a possible result of an achievement (grade, score, status, rubric)."""

    id: str
    name: str
    result_type: str
    allowed_values: tuple[str, ...] = ()
    required_level: str | None = None
    required_value: str | None = None
    rubric_criterion_levels: tuple[RubricCriterionLevel, ...] = ()
    value_max: str | None = None
    value_min: str | None = None
    alignments: tuple[Alignment, ...] = ()

    def __post_init__(self):
        _check_enum(self.result_type, RESULT_TYPES, "resultType", extensible=True)

    def to_dict(self) -> dict:
        """The ResultDescription as JSON."""
        return _compact(
            {
                "id": self.id,
                "type": ["ResultDescription"],
                "name": self.name,
                "resultType": self.result_type,
                "allowedValue": list(self.allowed_values),
                "requiredLevel": self.required_level,
                "requiredValue": self.required_value,
                "rubricCriterionLevel": _dicts(self.rubric_criterion_levels),
                "valueMax": self.value_max,
                "valueMin": self.value_min,
                "alignment": _dicts(self.alignments),
            }
        )


@dataclass(frozen=True, kw_only=True)
class Related:
    """OB 3.0 Related: another version or language of the same achievement."""

    id: str
    in_language: str | None = None
    version: str | None = None

    def to_dict(self) -> dict:
        """The Related entry as JSON."""
        return _compact(
            {"id": self.id, "type": ["Related"], "inLanguage": self.in_language, "version": self.version}
        )


@dataclass(frozen=True, kw_only=True)
class Achievement:
    """OB 3.0 Achievement: what was accomplished (a course, a degree, a competency, ...)."""

    id: str
    name: str
    description: str
    criteria: Criteria
    achievement_type: str | None = None
    image: Image | str | None = None
    alignments: tuple[Alignment, ...] = ()
    result_descriptions: tuple[ResultDescription, ...] = ()
    credits_available: float | None = None
    field_of_study: str | None = None
    human_code: str | None = None
    in_language: str | None = None
    specialization: str | None = None
    tags: tuple[str, ...] = ()
    version: str | None = None
    other_identifiers: tuple[IdentifierEntry, ...] = ()
    creator: Profile | None = None
    related: tuple[Related, ...] = ()
    endorsements: tuple[Mapping, ...] = ()

    def __post_init__(self):
        _check_enum(self.achievement_type, ACHIEVEMENT_TYPES, "achievementType", extensible=True)

    def to_dict(self) -> dict:
        """The Achievement as JSON."""
        return _compact(
            {
                "id": self.id,
                "type": ["Achievement"],
                "achievementType": self.achievement_type,
                "name": self.name,
                "description": self.description,
                "criteria": self.criteria.to_dict(),
                "image": _image(self.image),
                "alignment": _dicts(self.alignments),
                "resultDescription": _dicts(self.result_descriptions),
                "creditsAvailable": self.credits_available,
                "fieldOfStudy": self.field_of_study,
                "humanCode": self.human_code,
                "inLanguage": self.in_language,
                "specialization": self.specialization,
                "tag": list(self.tags),
                "version": self.version,
                "otherIdentifier": _dicts(self.other_identifiers),
                "creator": self.creator.to_dict() if self.creator else None,
                "related": _dicts(self.related),
                "endorsement": _passthrough(self.endorsements, "endorsement"),
            }
        )


@dataclass(frozen=True, kw_only=True)
class Result:
    """OB 3.0 Result: a result achieved, linked to a ResultDescription of the achievement by id."""

    result_description: str | None = None
    value: str | None = None
    achieved_level: str | None = None
    status: str | None = None
    alignments: tuple[Alignment, ...] = ()

    def __post_init__(self):
        _check_enum(self.status, RESULT_STATUSES, "result status", extensible=False)

    def to_dict(self) -> dict:
        """The Result as JSON."""
        return _compact(
            {
                "type": ["Result"],
                "resultDescription": self.result_description,
                "value": self.value,
                "achievedLevel": self.achieved_level,
                "status": self.status,
                "alignment": _dicts(self.alignments),
            }
        )


@dataclass(frozen=True, kw_only=True)
class Evidence:
    """OB 3.0 Evidence: a URL (or data: URI) and/or a narrative supporting the award."""

    id: str | None = None
    narrative: str | None = None
    name: str | None = None
    description: str | None = None
    genre: str | None = None
    audience: str | None = None

    def to_dict(self) -> dict:
        """The Evidence as JSON."""
        return _compact(
            {
                "id": self.id,
                "type": ["Evidence"],
                "narrative": self.narrative,
                "name": self.name,
                "description": self.description,
                "genre": self.genre,
                "audience": self.audience,
            }
        )


def identity_hash(value: str, salt: str | None = None) -> str:
    """OB 3.0 IdentityHash: `sha256$` + hex SHA-256 of the UTF-8 identifier with the salt appended."""
    # OB 3.0 B.2 IdentityHash: algorithm, '$', hash of identifier ‖ salt (UTF-8), hexadecimal.
    return "sha256$" + hashlib.sha256((value + (salt or "")).encode("utf-8")).hexdigest()


@dataclass(frozen=True, kw_only=True)
class IdentityObject:
    """OB 3.0 IdentityObject: a recipient identifier, usually a salted hash of an email address."""

    identity_hash: str
    identity_type: str = "emailAddress"
    hashed: bool = True
    salt: str | None = None

    def __post_init__(self):
        _check_enum(self.identity_type, IDENTIFIER_TYPES, "identityType", extensible=True)
        if self.hashed and not re.fullmatch(
            r"(sha256\$[0-9a-fA-F]{64}|md5\$[0-9a-fA-F]{32})", self.identity_hash
        ):
            raise DocumentError(
                "A hashed identity must be 'sha256$' (or 'md5$') followed by the hexadecimal hash."
            )

    @classmethod
    def hashed_email(cls, email: str, salt: str | None = None) -> IdentityObject:
        """A salted sha256 identity for `email`; a random salt is drawn when none is given."""
        email = email.strip()
        if "@" not in email:
            raise DocumentError(f"{email!r} is not an email address.")
        salt = secrets.token_hex(16) if salt is None else salt
        return cls(
            identity_hash=identity_hash(email, salt), identity_type="emailAddress", hashed=True, salt=salt
        )

    def matches(self, value: str) -> bool:
        """True when `value` (e.g. an email address) is the identity this object names."""
        if not self.hashed:
            return hmac.compare_digest(self.identity_hash, value)
        algorithm, _, digest = self.identity_hash.partition("$")
        data = (value.strip() + (self.salt or "")).encode("utf-8")
        computed = hashlib.md5(data, usedforsecurity=False) if algorithm == "md5" else hashlib.sha256(data)
        return hmac.compare_digest(computed.hexdigest(), digest.lower())

    def to_dict(self) -> dict:
        """The IdentityObject as JSON."""
        # OB 3.0 B.1.2 IdentityObject: type 'IdentityObject'; hashed, identityHash, identityType required.
        return _compact(
            {
                "type": "IdentityObject",
                "identityHash": self.identity_hash,
                "identityType": self.identity_type,
                "hashed": self.hashed,
                "salt": self.salt,
            }
        )


def _check_recipient(id_: str | None, identifiers: Sequence[IdentityObject], what: str) -> None:
    # OB 3.0 B.1.2 AchievementSubject / CLR 2.0 ClrSubject: either id or at least one identifier.
    if not id_ and not identifiers:
        raise DocumentError(f"The {what} needs an id (DID or URL) or at least one identifier.")


@dataclass(frozen=True, kw_only=True)
class AchievementSubject:
    """OB 3.0 AchievementSubject: the learner (by id and/or identifier) and what they achieved."""

    achievement: Achievement
    id: str | None = None
    identifiers: tuple[IdentityObject, ...] = ()
    results: tuple[Result, ...] = ()
    credits_earned: float | None = None
    term: str | None = None
    activity_start_date: datetime | str | None = None
    activity_end_date: datetime | str | None = None
    license_number: str | None = None
    role: str | None = None
    narrative: str | None = None
    image: Image | str | None = None
    source: Profile | None = None

    def __post_init__(self):
        _check_recipient(self.id, self.identifiers, "AchievementSubject")

    def to_dict(self) -> dict:
        """The AchievementSubject as JSON."""
        return _compact(
            {
                "id": self.id,
                "type": ["AchievementSubject"],
                "identifier": _dicts(self.identifiers),
                "achievement": self.achievement.to_dict(),
                "result": _dicts(self.results),
                "creditsEarned": self.credits_earned,
                "term": self.term,
                "activityStartDate": _timestamp(self.activity_start_date, "activityStartDate"),
                "activityEndDate": _timestamp(self.activity_end_date, "activityEndDate"),
                "licenseNumber": self.license_number,
                "role": self.role,
                "narrative": self.narrative,
                "image": _image(self.image),
                "source": self.source.to_dict() if self.source else None,
            }
        )


@dataclass(frozen=True, kw_only=True)
class Association:
    """CLR 2.0 Association: how a source achievement relates to a target achievement."""

    association_type: str
    source_id: str
    target_id: str

    def __post_init__(self):
        _check_enum(self.association_type, ASSOCIATION_TYPES, "associationType", extensible=False)

    def to_dict(self) -> dict:
        """The Association as JSON."""
        # CLR 2.0 B.1.2 Association: type 'Association', associationType, sourceId, targetId.
        return {
            "type": "Association",
            "associationType": self.association_type,
            "sourceId": self.source_id,
            "targetId": self.target_id,
        }


@dataclass(frozen=True, kw_only=True)
class ClrSubject:
    """CLR 2.0 ClrSubject: the learner, their signed credentials, and the achievements they relate to."""

    verifiable_credentials: tuple[Mapping, ...]
    id: str | None = None
    identifiers: tuple[IdentityObject, ...] = ()
    achievements: tuple[Achievement, ...] = ()
    associations: tuple[Association, ...] = ()

    def __post_init__(self):
        _check_recipient(self.id, self.identifiers, "ClrSubject")
        if not self.verifiable_credentials:
            # CLR 2.0 B.1.2 ClrSubject: verifiableCredential [1..*].
            raise DocumentError("A CLR must hold at least one verifiable credential.")

    def to_dict(self) -> dict:
        """The ClrSubject as JSON; the credentials are copied unchanged (they are signed)."""
        return _compact(
            {
                "id": self.id,
                "type": ["ClrSubject"],
                "identifier": _dicts(self.identifiers),
                "verifiableCredential": _passthrough(self.verifiable_credentials, "verifiable credential"),
                "achievement": _dicts(self.achievements),
                "association": _dicts(self.associations),
            }
        )


@dataclass(frozen=True, kw_only=True)
class EndorsementSubject:
    """OB 3.0 EndorsementSubject: the endorsed entity (achievement, profile, credential) and a comment."""

    id: str
    endorsement_comment: str | None = None

    def to_dict(self) -> dict:
        """The EndorsementSubject as JSON."""
        return _compact(
            {"id": self.id, "type": ["EndorsementSubject"], "endorsementComment": self.endorsement_comment}
        )


# ------------------------------------------------------------------------------------------ builders


def credential_schema_entry(kind: str) -> dict:
    """The `credentialSchema` entry (1EdTechJsonSchemaValidator2019) for a document kind."""
    # OB 3.0 / CLR 2.0 B.1.2 CredentialSchema: id = the schema URL, type 1EdTechJsonSchemaValidator2019.
    return {"id": schema.schema_url(kind), "type": JSON_SCHEMA_VALIDATOR}


def _contexts(base: Sequence[str], extra: Sequence[str], *, extensions: bool) -> list[str]:
    contexts = list(base)
    if extensions:
        contexts.append(OB_EXTENSIONS)
    for url in extra:
        if url not in contexts:
            contexts.append(url)
    return contexts


def _finish(document: dict, kind: str) -> dict:
    try:
        schema.ensure_valid(document, kind)
    except SchemaError as exc:
        raise SchemaError(f"Refusing to build an invalid {kind}. {exc.reason}", issues=exc.issues) from None
    return document


def _status(credential_status: Mapping | None) -> dict | None:
    return copy.deepcopy(dict(credential_status)) if credential_status else None


def _uses_extension_types(status: Mapping | None) -> bool:
    return bool(status) and str(status.get("type", "")).startswith("1EdTech")


def achievement_credential(
    *,
    id: str,
    issuer: Profile,
    subject: AchievementSubject,
    name: str,
    valid_from: datetime | str,
    description: str | None = None,
    image: Image | str | None = None,
    valid_until: datetime | str | None = None,
    awarded_date: datetime | str | None = None,
    evidence: Sequence[Evidence] = (),
    endorsements: Sequence[Mapping] = (),
    credential_status: Mapping | None = None,
    credential_schema: bool = True,
    type_name: str = "OpenBadgeCredential",
    extra_contexts: Sequence[str] = (),
) -> dict:
    """An unsigned OB 3.0 OpenBadgeCredential (or AchievementCredential), checked against its schema."""
    # OB 3.0 8.1: the type holds VerifiableCredential and AchievementCredential (alias OpenBadgeCredential).
    if type_name not in ("OpenBadgeCredential", "AchievementCredential"):
        raise DocumentError(
            f"type_name must be OpenBadgeCredential or AchievementCredential, not {type_name!r}."
        )
    document = _compact(
        {
            "@context": _contexts(
                OB_CONTEXT,
                extra_contexts,
                extensions=credential_schema or _uses_extension_types(credential_status),
            ),
            "id": id,
            "type": ["VerifiableCredential", type_name],
            "name": name,
            "description": description,
            "image": _image(image),
            "issuer": issuer.to_dict(),
            "validFrom": _timestamp(valid_from, "validFrom"),
            "validUntil": _timestamp(valid_until, "validUntil"),
            "awardedDate": _timestamp(awarded_date, "awardedDate"),
            "credentialSubject": subject.to_dict(),
            "evidence": _dicts(evidence),
            "endorsement": _passthrough(endorsements, "endorsement"),
            "credentialSchema": [credential_schema_entry("AchievementCredential")]
            if credential_schema
            else None,
            "credentialStatus": _status(credential_status),
        }
    )
    return _finish(document, "AchievementCredential")


def _achievement_ids(subject: ClrSubject) -> set[str]:
    ids = {a.id for a in subject.achievements}
    for credential in subject.verifiable_credentials:
        subjects = credential.get("credentialSubject") if isinstance(credential, Mapping) else None
        for sub in subjects if isinstance(subjects, list) else [subjects]:
            achievement = sub.get("achievement") if isinstance(sub, Mapping) else None
            if isinstance(achievement, Mapping) and isinstance(achievement.get("id"), str):
                ids.add(achievement["id"])
    return ids


def clr_credential(
    *,
    id: str,
    issuer: Profile,
    subject: ClrSubject,
    name: str,
    valid_from: datetime | str,
    partial: bool = False,
    description: str | None = None,
    image: Image | str | None = None,
    valid_until: datetime | str | None = None,
    awarded_date: datetime | str | None = None,
    evidence: Sequence[Evidence] = (),
    endorsements: Sequence[Mapping] = (),
    credential_status: Mapping | None = None,
    credential_schema: bool = True,
    extra_contexts: Sequence[str] = (),
) -> dict:
    """An unsigned CLR 2.0 ClrCredential wrapping already-signed credentials, checked against its schema."""
    known = _achievement_ids(subject)
    for association in subject.associations:
        # CLR 2.0 B.1.2 Association: sourceId and targetId are ids of achievements in this CLR.
        for end in (association.source_id, association.target_id):
            if end not in known:
                raise DocumentError(
                    f"The association {association.association_type} names {end}, "
                    "which is not an achievement in this CLR."
                )
    document = _compact(
        {
            "@context": _contexts(
                CLR_CONTEXT,
                extra_contexts,
                extensions=credential_schema or _uses_extension_types(credential_status),
            ),
            "id": id,
            "type": ["VerifiableCredential", "ClrCredential"],
            "name": name,
            "description": description,
            "image": _image(image),
            # CLR 2.0 B.1.2 ClrCredential: partial is true when the CLR is a subset of the record.
            "partial": True if partial else None,
            "issuer": issuer.to_dict(),
            "validFrom": _timestamp(valid_from, "validFrom"),
            "validUntil": _timestamp(valid_until, "validUntil"),
            "awardedDate": _timestamp(awarded_date, "awardedDate"),
            "credentialSubject": subject.to_dict(),
            "evidence": _dicts(evidence),
            "endorsement": _passthrough(endorsements, "endorsement"),
            "credentialSchema": [credential_schema_entry("ClrCredential")] if credential_schema else None,
            "credentialStatus": _status(credential_status),
        }
    )
    return _finish(document, "ClrCredential")


def endorsement_credential(
    *,
    id: str,
    issuer: Profile,
    subject: EndorsementSubject,
    name: str,
    valid_from: datetime | str,
    description: str | None = None,
    valid_until: datetime | str | None = None,
    awarded_date: datetime | str | None = None,
    evidence: Sequence[Evidence] = (),
    credential_status: Mapping | None = None,
    credential_schema: bool = True,
    extra_contexts: Sequence[str] = (),
) -> dict:
    """An unsigned OB 3.0 EndorsementCredential, checked against its schema."""
    document = _compact(
        {
            "@context": _contexts(
                OB_CONTEXT,
                extra_contexts,
                extensions=credential_schema or _uses_extension_types(credential_status),
            ),
            "id": id,
            # OB 3.0 B.1.2 EndorsementCredential: type holds VerifiableCredential and EndorsementCredential.
            "type": ["VerifiableCredential", "EndorsementCredential"],
            "name": name,
            "description": description,
            "issuer": issuer.to_dict(),
            "validFrom": _timestamp(valid_from, "validFrom"),
            "validUntil": _timestamp(valid_until, "validUntil"),
            "awardedDate": _timestamp(awarded_date, "awardedDate"),
            "credentialSubject": subject.to_dict(),
            "evidence": _dicts(evidence),
            "credentialSchema": [credential_schema_entry("EndorsementCredential")]
            if credential_schema
            else None,
            "credentialStatus": _status(credential_status),
        }
    )
    return _finish(document, "EndorsementCredential")


def profile(issuer: Profile, *, extra_contexts: Sequence[str] = ()) -> dict:
    """A standalone issuer Profile document (with @context), checked against the OB 3.0 Profile schema."""
    # OB 3.0 B.1.2 Profile; a published profile carries the VC v2 and OB 3.0 contexts to be JSON-LD.
    document = {"@context": _contexts(OB_CONTEXT, extra_contexts, extensions=False), **issuer.to_dict()}
    return _finish(document, "Profile")


def status_list_credential(
    *,
    id: str,
    issuer: str | Profile,
    status_list: BitstringStatusList,
    valid_from: datetime | str,
    purpose: str = "revocation",
    valid_until: datetime | str | None = None,
    ttl: int | None = None,
) -> dict:
    """An unsigned BitstringStatusListCredential (VC 2.0) publishing `status_list` for `purpose`."""
    if purpose not in ("revocation", "suspension"):
        raise StatusError(f"Unknown status purpose {purpose!r}; use revocation or suspension.")
    encoded = status_list.encode()
    # Self-check: what we publish must expand back to the same list (BSL 3.2 expansion).
    if BitstringStatusList.decode(encoded).to_bytes() != status_list.to_bytes():
        raise StatusError("The status list did not survive encoding.")
    # BSL 2.2 BitstringStatusListCredential: VC with type BitstringStatusListCredential and a
    # BitstringStatusList subject holding statusPurpose and encodedList; VC 2.0 defines these terms.
    return _compact(
        {
            "@context": [VC_V2],
            "id": id,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": issuer.id if isinstance(issuer, Profile) else issuer,
            "validFrom": _timestamp(valid_from, "validFrom"),
            "validUntil": _timestamp(valid_until, "validUntil"),
            "credentialSubject": _compact(
                {
                    "id": f"{id}#list",
                    "type": "BitstringStatusList",
                    "statusPurpose": purpose,
                    "encodedList": encoded,
                    "ttl": ttl,
                }
            ),
        }
    )


__all__ = [
    "ACHIEVEMENT_TYPES",
    "ALIGNMENT_TARGET_TYPES",
    "ASSOCIATION_TYPES",
    "CLR_CONTEXT",
    "IDENTIFIER_TYPES",
    "OB_CONTEXT",
    "RESULT_STATUSES",
    "RESULT_TYPES",
    "Achievement",
    "AchievementSubject",
    "Address",
    "Alignment",
    "Association",
    "ClrSubject",
    "Criteria",
    "EndorsementSubject",
    "Evidence",
    "GeoCoordinates",
    "IdentifierEntry",
    "IdentityObject",
    "Image",
    "Profile",
    "Related",
    "Result",
    "ResultDescription",
    "RubricCriterionLevel",
    "achievement_credential",
    "clr_credential",
    "credential_schema_entry",
    "endorsement_credential",
    "identity_hash",
    "profile",
    "status_list_credential",
]
