"""What a person reads in a credential document: OB 3.0 / CLR 2.0 (VC 2.0 or 1.1) and OB 2.0 assertions.

Documents come from anywhere (our own signed ones, or a learner's imports), so every member is read
defensively: a missing or oddly shaped member is left out, never an error. Addresses are kept only when
clrportal.links allows them (http(s) links; images also as raster data: URIs), so a view never carries
a `javascript:` or `data:text/html` URL for a template to put in an `href` or `src`.

The words people read for the standards' own names: `achievement_type_label` ("CoCurricular" is
"Co-curricular") and `result_type_label` ("LetterGrade" is "Letter grade") from vc.labels,
`kind_label` ("ClrCredential" is "Comprehensive Learner Record"), and `check_lines` / `verdict_reasons`,
what each check of a verification means, without identifiers (the exact messages are kept for a
"Technical details" section).
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from clrportal.links import image_url, link_url
from vc import labels
from vc.verify import FAILED, PASSED, failure_cause

OB2_CONTEXT = "https://w3id.org/openbadges/v2"

# --- the standards' names, as people say them ---------------------------------------------------------

# Credential types (VC 2.0 `type`) and the kinds of documents the wallet reads.
_KIND_WORDS = {
    "AchievementCredential": "Open Badge",
    "OpenBadgeCredential": "Open Badge",
    "ClrCredential": "Comprehensive Learner Record",
    "EndorsementCredential": "Endorsement",
    "Open Badges 2.0 assertion": "Open Badge (version 2.0)",
    "VerifiableCredential": "Credential",
}
_OWN_TYPES = ("AchievementCredential", "OpenBadgeCredential", "ClrCredential", "EndorsementCredential")
_words = labels.words
achievement_type_label = labels.achievement_type_label  # the templates' filters (wallet_display)
result_type_label = labels.result_type_label


def name_or_nothing(value) -> str:
    """`value`, unless it is an identifier rather than a name (an issuer known only by its DID)."""
    if not isinstance(value, str) or re.match(r"\s*(?:did|urn):", value, re.IGNORECASE):
        return ""
    return value


def kind_label(value) -> str:
    """What people call a kind of credential: "Open Badge", "Comprehensive Learner Record"."""
    if not isinstance(value, str):
        return ""
    return _KIND_WORDS.get(value) or _words(value)


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
    def achievement_type_label(self) -> str:
        return achievement_type_label(self.achievement_type)

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)

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
            name = _text(description.get("name"))
            if not name or name in labels.RESULT_TYPE_WORDS:
                name = result_type_label(_text(description.get("resultType")) or name)
            descriptions[description["id"]] = (name, levels)
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


# --- what a verification says, for a person -------------------------------------------------------

# What each check concluded, said without identifiers (DIDs, status-list addresses, type names): the
# verifier's exact message is kept beside it for "Technical details".
_CHECK_WORDS = {
    ("well_formed", PASSED): "It can be read, and it has every part a credential must have.",
    ("well_formed", FAILED): "It is not a complete credential: parts every credential must have are "
    "missing or cannot be read.",
    ("schema", PASSED): "Its fields are as the standard requires.",
    ("schema", FAILED): "Its fields do not follow the Open Badges or Comprehensive Learner Record standard.",
    ("schema", "could_not_check"): "Its fields could not be compared with the standard: it uses an older "
    "form of it.",
    ("proof", PASSED): "The issuer's digital signature matches: nothing was changed after it was signed.",
    ("proof", FAILED): "The digital signature does not match: it was changed after it was signed, or it "
    "was not signed by its issuer.",
    ("proof", "could_not_check"): "The digital signature could not be checked.",
    ("issuer_key", PASSED): "It was signed with a key its issuer publishes for issuing credentials.",
    ("issuer_key", FAILED): "It was not signed with a valid key of its issuer.",
    ("issuer_key", "could_not_check"): "Whether the key that signed it belongs to its issuer could not be "
    "confirmed.",
    ("validity_period", PASSED): "It is within the dates it is valid for.",
    ("validity_period", FAILED): "It is not valid on today's date.",
    ("status", PASSED): "Its issuer has not revoked or suspended it.",
    ("status", "could_not_check"): "Whether its issuer revoked it could not be checked.",
    ("nested_credentials", PASSED): "Every credential inside it verifies.",
}
_IDENTIFIER = re.compile(r"\(?\b(?:did|urn):[^\s,;()]+\)?|\(?https?://[^\s,;()]+\)?")
_TECHNICAL_WORDS = {
    "JSON-LD document": "file",
    "JSON-LD": "JSON",
    "VC-JWT": "signed token",
    # The OB 3.0 / CLR 2.0 credential types; "VerifiableCredential" is left as it is in a sentence.
    **{name: _KIND_WORDS[name] for name in _OWN_TYPES},
}
_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:T[\d:.]+(?:Z|[+-]\d{2}:\d{2})?)?")


def _identifier_words(match: re.Match) -> str:
    found = match[0]
    if found.startswith("("):  # a parenthesis naming who or where: the sentence reads without it
        return ""
    return "another address" if found.startswith("http") else "one without a name"


def plain_words(text: str) -> str:
    """`text` without identifiers or the standards' type names (for a sentence a person reads)."""
    text = _IDENTIFIER.sub(_identifier_words, text)
    for term, words in _TECHNICAL_WORDS.items():
        text = text.replace(term, words)
    text = _ISO_DAY.sub(lambda m: f"{int(m[3])} {_MONTHS[int(m[2]) - 1]} {m[1]}", text)
    return re.sub(r"\s+([.,;:])", r"\1", re.sub(r"\s{2,}", " ", text)).strip()


_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


@dataclass(frozen=True)
class CheckLine:
    """One check of a verification: its name and status, what it means, and the verifier's exact words."""

    name: str
    status: str
    plain: str
    message: str = ""
    details: tuple[str, ...] = ()


def _member(item, name, default=None):
    return item.get(name, default) if isinstance(item, dict) else getattr(item, name, default)


def check_plain(*, name: str, status: str, message: str) -> str:
    """What a check concluded, in words without identifiers."""
    lowered = message.lower()
    if name == "status" and status == FAILED:
        return "Its issuer suspended it." if "suspend" in lowered else "Its issuer revoked it."
    if name == "status" and status == "could_not_check" and "another server" in lowered:
        return (
            "Its issuer's list of revoked credentials is on another server, which this portal does not "
            "contact, so whether it was revoked is not known."
        )
    if name == "validity_period" and status == FAILED and ("expired" in lowered or "until" in lowered):
        return plain_words(message.replace("The credential", "It"))
    if name == "nested_credentials" and status != PASSED:
        return plain_words(message)
    return _CHECK_WORDS.get((name, status)) or plain_words(message)


def check_lines(result) -> list[CheckLine]:
    """The checks of a verification (a vc VerificationResult, or its `to_dict()`), each in words."""
    lines = []
    for check in _member(result, "checks", None) or []:
        name, status = str(_member(check, "name", "")), str(_member(check, "status", ""))
        message = str(_member(check, "message", "") or "")
        lines.append(
            CheckLine(
                name, status, check_plain(name=name, status=status, message=message), message,
                tuple(str(d) for d in _member(check, "details", None) or ()),
            )
        )  # fmt: skip
    return lines


def verdict_reasons(result) -> list[str]:
    """Why a verification is not "verified": the words of each check that failed, then of those that
    could not be made (empty when it verified)."""
    lines = [line for line in check_lines(result) if line.status != PASSED]
    lines.sort(key=lambda line: line.status != FAILED)
    return [line.plain for line in lines]


def verdict_reason(result) -> str:
    """The first reason of `verdict_reasons`, or ""."""
    reasons = verdict_reasons(result)
    return reasons[0] if reasons else ""


def failure_words(result) -> str:
    """A not-valid result's cause in a few words ("suspended", "revoked", "expired"), else ""."""
    if result is None or getattr(result, "verdict", None) != "not_valid":
        return ""
    return failure_cause(result)


@dataclass(frozen=True)
class Problem:
    """A record that did not verify, in one line: its name, its verdict and why."""

    name: str
    verdict: str
    reason: str


@dataclass(frozen=True)
class VerdictSummary:
    """The verdicts of several records checked together (a share page): counts, and each problem."""

    total: int
    verified: int
    problems: list[Problem]

    @property
    def all_verified(self) -> bool:
        return self.total > 0 and self.verified == self.total

    @property
    def not_valid(self) -> int:
        return sum(1 for problem in self.problems if problem.verdict == "not_valid")

    @property
    def could_not_check(self) -> int:
        return sum(1 for problem in self.problems if problem.verdict != "not_valid")


def verdict_summary(records: list[tuple[str, object]]) -> VerdictSummary:
    """The summary of (name, verification result or None) pairs; None is a record not checked."""
    verified, problems = 0, []
    for name, result in records:
        verdict = getattr(result, "verdict", None) or "could_not_check"
        if verdict == "verified":
            verified += 1
            continue
        reason = verdict_reason(result) if result is not None else "It is not signed yet."
        problems.append(Problem(name, verdict, reason))
    problems.sort(key=lambda problem: problem.verdict != "not_valid")
    return VerdictSummary(total=len(records), verified=verified, problems=problems)
