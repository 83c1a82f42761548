"""What a person reads in a credential document: OB 3.0 / CLR 2.0 (VC 2.0 or 1.1) and OB 2.0 assertions.

Documents come from anywhere (our own signed ones, or a learner's imports), so every member is read
defensively: a missing or oddly shaped member is left out, never an error. Addresses are kept only when
clrportal.links allows them (http(s) links; images also as raster data: URIs), so a view never carries
a `javascript:` or `data:text/html` URL for a template to put in an `href` or `src`.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from clrportal.links import image_url, link_url

OB2_CONTEXT = "https://w3id.org/openbadges/v2"


def _list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _text(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):  # JSON-LD value object or language map
        if isinstance(value.get("@value"), str):
            return value["@value"]
        for item in value.values():
            if isinstance(item, str):
                return item
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:g}"
    return ""


def _id(value):
    """The address of a member that is a URL string or an object with an id (Image, Criteria, Evidence)."""
    if isinstance(value, dict):
        return value.get("id") or value.get("@id")
    return value


def _link(value) -> str:
    """An http(s) URL from a URL string or an object's id, else ""."""
    return link_url(_id(value))


def _image(value) -> str:
    """An http(s) or raster data: URL from an Image (string or object), else ""."""
    return image_url(_id(value))


def _when(value) -> datetime | date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return parsed


def _types(value) -> list[str]:
    return [t for t in _list(value.get("type") if isinstance(value, dict) else None) if isinstance(t, str)]


@dataclass
class Issuer:
    name: str = ""
    url: str = ""
    id: str = ""
    image: str = ""


@dataclass
class ResultView:
    name: str
    value: str
    status: str = ""


@dataclass
class CredentialView:
    """The members of a credential a person cares about, as plain strings, lists and dates."""

    kind: str = ""
    id: str = ""
    name: str = ""
    description: str = ""
    achievement_name: str = ""
    achievement_type: str = ""
    human_code: str = ""
    achievement_description: str = ""
    criteria_narrative: str = ""
    criteria_url: str = ""
    image: str = ""
    field_of_study: str = ""
    credits_available: str = ""
    credits_earned: str = ""
    term: str = ""
    activity_start: datetime | date | None = None
    activity_end: datetime | date | None = None
    narrative: str = ""
    results: list[ResultView] = field(default_factory=list)
    alignments: list[dict] = field(default_factory=list)
    evidence: list[dict] = field(default_factory=list)
    endorsements: list[dict] = field(default_factory=list)
    issuer: Issuer = field(default_factory=Issuer)
    issued: datetime | date | None = None
    awarded: datetime | date | None = None
    # When the issuer signed it: the proof's `created`, else when it became valid.
    signed: datetime | date | None = None
    expires: datetime | date | None = None
    nested: list["CredentialView"] = field(default_factory=list)
    legacy: bool = False
    # Who it is about: a name the credential carries in plain text, and the kinds of hashed identifiers.
    recipient_name: str = ""
    recipient_hashed: list[str] = field(default_factory=list)

    @property
    def recipient_email_hashed(self) -> bool:
        return "emailAddress" in self.recipient_hashed

    @property
    def issue_date(self) -> datetime | date | None:
        return self.awarded or self.issued


def _recipient(subject: dict) -> tuple[str, list[str]]:
    """(the plain name, the identity types given only as hashes) of a subject's IdentityObjects."""
    name, hashed = "", []
    for identity in _list(subject.get("identifier")):
        if not isinstance(identity, dict):
            continue
        kind = _text(identity.get("identityType"))
        if identity.get("hashed") is True:
            hashed.append(kind)
        elif kind == "name" and not name:
            name = _text(identity.get("identityHash"))
    return name, hashed


def _signed(document: dict) -> datetime | date | None:
    # VC-DI 2.0 2.1: a proof's `created` is when it was made; a VC-JWT's claims say nothing more here.
    for proof in _list(document.get("proof")):
        if isinstance(proof, dict) and _when(proof.get("created")):
            return _when(proof.get("created"))
    return _when(document.get("validFrom") or document.get("issuanceDate"))


def is_ob2_assertion(document) -> bool:
    """An Open Badges 2.0 assertion: unsigned JSON-LD of the 2.0 context, type Assertion."""
    if not isinstance(document, dict):
        return False
    return OB2_CONTEXT in _list(document.get("@context")) or "Assertion" in _types(document)


def _issuer(value) -> Issuer:
    if isinstance(value, str):
        return Issuer(id=value, url=link_url(value))
    if not isinstance(value, dict):
        return Issuer()
    return Issuer(
        name=_text(value.get("name")),
        url=link_url(value.get("url")),
        id=value.get("id") if isinstance(value.get("id"), str) else "",
        image=_image(value.get("image")),
    )


def _alignment(item) -> dict | None:
    if not isinstance(item, dict):
        return None
    name = _text(item.get("targetName"))
    if not name:
        return None
    return {
        "name": name,
        "url": _link(item.get("targetUrl")),
        "framework": _text(item.get("targetFramework")),
        "code": _text(item.get("targetCode")),
        "description": _text(item.get("targetDescription")),
    }


def _evidence(item) -> dict | None:
    if isinstance(item, str):
        return {"name": "", "url": _link(item), "narrative": "", "description": ""}
    if not isinstance(item, dict):
        return None
    return {
        "name": _text(item.get("name")),
        "url": _link(item.get("id")),
        "narrative": _text(item.get("narrative")),
        "description": _text(item.get("description")),
    }


def _endorsement(item) -> dict | None:
    if not isinstance(item, dict):
        return None
    subject = item.get("credentialSubject") if isinstance(item.get("credentialSubject"), dict) else {}
    return {
        "name": _text(item.get("name")),
        "issuer": _issuer(item.get("issuer")),
        "comment": _text(subject.get("endorsementComment")),
    }


def _results(subject: dict, achievement: dict) -> list[ResultView]:
    descriptions = {}
    for description in _list(achievement.get("resultDescription")):
        if isinstance(description, dict) and isinstance(description.get("id"), str):
            levels = {
                level.get("id"): _text(level.get("name"))
                for level in _list(description.get("rubricCriterionLevel"))
                if isinstance(level, dict)
            }
            descriptions[description["id"]] = (_text(description.get("name")), levels)
    results = []
    for result in _list(subject.get("result")):
        if not isinstance(result, dict):
            continue
        name, levels = descriptions.get(result.get("resultDescription"), ("Result", {}))
        value = _text(result.get("value")) or levels.get(result.get("achievedLevel"), "")
        status = _text(result.get("status"))
        if value or status:
            results.append(ResultView(name=name or "Result", value=value, status=status))
    return results


def _ob2_view(document: dict) -> CredentialView:
    badge = document.get("badge") if isinstance(document.get("badge"), dict) else {}
    criteria = badge.get("criteria")
    return CredentialView(
        kind="Open Badges 2.0 assertion",
        id=document.get("id") if isinstance(document.get("id"), str) else "",
        name=_text(badge.get("name")) or "Open Badge",
        description=_text(badge.get("description")),
        achievement_name=_text(badge.get("name")),
        achievement_description=_text(badge.get("description")),
        criteria_narrative=_text(criteria.get("narrative")) if isinstance(criteria, dict) else "",
        # OB 2.0 BadgeClass: criteria is a URL string or a Criteria object.
        criteria_url=_link(criteria),
        image=_image(document.get("image")) or _image(badge.get("image")),
        narrative=_text(document.get("narrative")),
        alignments=[a for a in map(_alignment, _list(badge.get("alignment"))) if a],
        evidence=[e for e in map(_evidence, _list(document.get("evidence"))) if e],
        issuer=_issuer(badge.get("issuer")),
        issued=_when(document.get("issuedOn")),
        awarded=_when(document.get("issuedOn")),
        expires=_when(document.get("expires")),
        legacy=True,
    )


def credential_view(document) -> CredentialView:
    """What a person reads in `document` (any credential dict; nonsense gives an empty view)."""
    if not isinstance(document, dict):
        return CredentialView()
    if is_ob2_assertion(document):
        return _ob2_view(document)
    types = _types(document)
    subject = document.get("credentialSubject")
    subject = subject if isinstance(subject, dict) else {}
    achievement = subject.get("achievement") if isinstance(subject.get("achievement"), dict) else {}
    criteria = achievement.get("criteria") if isinstance(achievement.get("criteria"), dict) else {}
    kind = next((t for t in types if t != "VerifiableCredential"), "Credential")
    view = CredentialView(
        kind=kind,
        id=document.get("id") if isinstance(document.get("id"), str) else "",
        name=_text(document.get("name")) or _text(achievement.get("name")),
        description=_text(document.get("description")),
        achievement_name=_text(achievement.get("name")),
        achievement_type=_text(achievement.get("achievementType")),
        human_code=_text(achievement.get("humanCode")),
        achievement_description=_text(achievement.get("description")),
        criteria_narrative=_text(criteria.get("narrative")),
        criteria_url=_link(criteria),
        image=_image(achievement.get("image")) or _image(document.get("image")),
        field_of_study=_text(achievement.get("fieldOfStudy")),
        credits_available=_text(achievement.get("creditsAvailable")),
        credits_earned=_text(subject.get("creditsEarned")),
        term=_text(subject.get("term")),
        activity_start=_when(subject.get("activityStartDate")),
        activity_end=_when(subject.get("activityEndDate")),
        narrative=_text(subject.get("narrative")),
        results=_results(subject, achievement),
        alignments=[a for a in map(_alignment, _list(achievement.get("alignment"))) if a],
        evidence=[e for e in map(_evidence, _list(document.get("evidence"))) if e],
        endorsements=[
            e
            for e in map(
                _endorsement, _list(document.get("endorsement")) + _list(achievement.get("endorsement"))
            )
            if e
        ],
        issuer=_issuer(document.get("issuer")),
        issued=_when(document.get("validFrom") or document.get("issuanceDate")),
        awarded=_when(document.get("awardedDate")),
        signed=_signed(document),
        expires=_when(document.get("validUntil") or document.get("expirationDate")),
    )
    view.recipient_name, view.recipient_hashed = _recipient(subject)
    # CLR 2.0: the credentials it holds.
    view.nested = [
        credential_view(item) for item in _list(subject.get("verifiableCredential")) if isinstance(item, dict)
    ]
    return view
