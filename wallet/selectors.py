"""Reads of the learner's side: their whole record, their credentials, shares and imports.

Everything is scoped to one user: a person only ever reads their own rows (the public share page
reads through a share link, which names exactly what it shows).
"""

import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

from django.db.models import F, Prefetch, Q
from django.urls import reverse

from achievements.models import Alignment, Association, Award, AwardResult, Evidence, Learner
from achievements.selectors import term_order
from credentials.models import CredentialKind, CredentialState, IssuedCredential
from credentials.verification import issued_credential_verify

from .models import ExternalCredential, ShareLink

DEGREE_TYPES = {
    "ApprenticeshipCertificate", "AssociateDegree", "BachelorDegree", "Certificate",
    "CertificateOfCompletion", "Certification", "Degree", "Diploma", "DoctoralDegree",
    "GeneralEducationDevelopment", "JourneymanCertificate", "LearningProgram", "License",
    "MasterCertificate", "MasterDegree",
    "ProfessionalDoctorate", "ResearchDoctorate", "SecondarySchoolDiploma",
}  # fmt: skip
COURSE_TYPES = {"Course", "Assessment", "Assignment"}
COMPETENCY_TYPES = {"Competency"}

CATEGORIES = [
    ("programs", "Degrees and programs"),
    ("courses", "Courses"),
    ("competencies", "Competencies and skills"),
    ("cocurricular", "Co-curricular experiences"),
    ("imported", "Badges from elsewhere"),
]


def category_of(achievement_type: str) -> str:
    if achievement_type in DEGREE_TYPES:
        return "programs"
    if achievement_type in COURSE_TYPES:
        return "courses"
    if achievement_type in COMPETENCY_TYPES:
        return "competencies"
    return "cocurricular"


@dataclass(frozen=True)
class VerificationState:
    """What the dashboard says about an item's credential, without verifying it live."""

    label: str
    tone: str  # ok | unsure | bad | none
    reason: str = ""  # why, when a live verification did not pass


NOT_ISSUED = VerificationState("Not issued yet", "none")
# A result below the criteria: on the record with its grade, but nothing claims it was achieved.
ATTEMPTED = VerificationState("Attempted, not earned", "none")
VERDICT_STATES = {
    "verified": VerificationState("Verified", "ok"),
    "could_not_check": VerificationState("Could not check", "unsure"),
    "not_valid": VerificationState("Not valid", "bad"),
}


def verified_state(credential: IssuedCredential) -> VerificationState:
    """What a credential's live verification concludes (the one verdict, `VerificationResult.verdict`)."""
    if credential.state != CredentialState.SIGNED:
        return credential_state(credential)
    result = issued_credential_verify(credential=credential)
    state = VERDICT_STATES[result.verdict]
    unpassed = sorted(
        (check for check in result.checks if check.status != "passed"), key=lambda c: c.status != "failed"
    )
    return VerificationState(state.label, state.tone, unpassed[0].message if unpassed else "")


def credential_state(credential: IssuedCredential | None) -> VerificationState:
    if credential is None or credential.state == CredentialState.FAILED:
        return NOT_ISSUED
    if credential.is_revoked:
        return VerificationState("Revoked", "bad")
    if credential.is_suspended:
        return VerificationState("Suspended", "unsure")
    if credential.state == CredentialState.QUEUED:
        return VerificationState("Being signed", "unsure")
    if credential.signing_key_id and credential.signing_key.compromised_at is not None:
        # The issuer withdrew the key from its DID document: every verifier now refuses the proof.
        return VerificationState("Not valid", "bad", "The key that signed it was reported compromised.")
    return VerificationState("Verified", "ok")


@dataclass(eq=False)  # items are compared by identity: one per award
class RecordItem:
    """One award of the learner, with the credential that carries it (if issued)."""

    award: Award
    credential: IssuedCredential | None
    category: str
    grades: list[str]
    skills: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.award.achievement_version.name

    @property
    def code(self) -> str:
        return self.award.achievement.human_code

    @property
    def achievement_type(self) -> str:
        return self.award.achievement_version.achievement_type

    @cached_property
    def url(self) -> str:
        """The record page of the item's credential ("" when none is issued)."""
        if self.credential is None:
            return ""
        return reverse("wallet:record", kwargs={"credential_id": self.credential.id})

    @cached_property
    def state(self) -> VerificationState:
        if self.is_attempt:
            return ATTEMPTED
        return credential_state(self.credential)

    @cached_property
    def is_attempt(self) -> bool:
        return self.award.is_attempt

    @property
    def institution(self):
        return self.award.institution

    @cached_property
    def verifier(self) -> str:
        """Who vouches for a co-curricular experience: its evidence, or the issuing institution."""
        names = [e.name or e.narrative[:80] for e in self.award.evidence.all() if e.name or e.narrative]
        return "; ".join(names)


@dataclass
class TermGroup:
    term: str
    items: list[RecordItem]
    credits: Decimal
    cumulative: Decimal


SKILL_EVIDENCE_SHOWN = 6


@dataclass(eq=False)
class Skill:
    key: str
    name: str
    framework: str = ""
    code: str = ""
    url: str = ""
    awarded: RecordItem | None = None
    evidence: list[RecordItem] = field(default_factory=list)

    @property
    def evidence_shown(self) -> list[RecordItem]:
        return self.evidence[:SKILL_EVIDENCE_SHOWN]

    @property
    def evidence_more(self) -> int:
        return max(len(self.evidence) - SKILL_EVIDENCE_SHOWN, 0)


@dataclass
class Dashboard:
    learners: list[Learner]
    programs: list[RecordItem]
    terms: list[TermGroup]
    skills: list[Skill]
    cocurricular: list[RecordItem]
    imported: list[ExternalCredential]
    total_credits: Decimal
    facets: dict
    filters: dict
    shown: int
    total: int
    # The current full ClrCredential from each institution (the whole record as one credential).
    clrs: list[IssuedCredential] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.programs or self.terms or self.skills or self.cocurricular or self.imported)


def learners_of_user(*, user) -> list[Learner]:
    if not user.is_authenticated:
        return []
    return list(Learner.objects.filter(user=user).select_related("institution").order_by("institution__name"))


def _grades(award: Award) -> list[str]:
    grades = []
    results = list(award.results.all())
    for result in results:
        value = result.value or (result.achieved_level.name if result.achieved_level_id else "")
        if value:
            grades.append(value if len(results) == 1 else f"{result.result_description.name}: {value}")
        elif result.status and result.status != "Completed":
            grades.append(result.status)
    return grades


def _current_credentials(learners: list[Learner]) -> dict[int, IssuedCredential]:
    """The current AchievementCredential of each award (or its revoked one), without the documents."""
    rows = (
        IssuedCredential.objects.filter(learner__in=learners, kind=CredentialKind.ACHIEVEMENT)
        .filter(Q(is_current=True) | Q(revoked_at__isnull=False))
        .select_related("signing_key")
        .only(
            "id",
            "award_id",
            "state",
            "is_current",
            "revoked_at",
            "suspended_at",
            "created_at",
            "signing_key__compromised_at",
        )
        .order_by("award_id", "-is_current", "-created_at")
    )
    found: dict[int, IssuedCredential] = {}
    for row in rows:
        found.setdefault(row.award_id, row)
    return found


# Only the columns the dashboard shows: a record of hundreds of awards stays fast to load.
_AWARD_COLUMNS = (
    "id", "institution_id", "learner_id", "term", "credits_earned", "activity_start_date", "awarded_date",
    "achievement__id", "achievement__human_code",
    "achievement_version__id", "achievement_version__name", "achievement_version__achievement_type",
)  # fmt: skip


def _awards(learners: list[Learner]):
    return (
        Award.objects.filter(learner__in=learners, withdrawn_at__isnull=True)
        .select_related("achievement", "achievement_version")
        .only(*_AWARD_COLUMNS)
        .prefetch_related(
            Prefetch(
                "results",
                queryset=AwardResult.objects.select_related("result_description", "achieved_level").only(
                    "id", "award_id", "value", "status", "achieved_level__name", "result_description__name"
                ),
            ),
            Prefetch("evidence", queryset=Evidence.objects.only("id", "award_id", "name", "narrative")),
            Prefetch(
                "achievement_version__alignments",
                queryset=Alignment.objects.order_by("position", "pk").only(
                    "id", "version_id", "target_name", "target_url", "target_framework", "target_code"
                ),
            ),
        )
    )


def _skills(items: list[RecordItem]) -> list[Skill]:
    """Competencies and skills with what evidences them: awarded competencies, catalog associations
    between an awarded achievement and a competency, and the alignments of awarded achievements."""
    skills: OrderedDict[str, Skill] = OrderedDict()
    by_achievement = {}
    items = [item for item in items if not item.is_attempt]  # an attempt evidences nothing
    for item in items:
        by_achievement.setdefault(item.award.achievement_id, []).append(item)
        if item.category == "competencies":
            key = f"achievement:{item.award.achievement_id}"
            skill = skills.setdefault(key, Skill(key=key, name=item.name, code=item.code))
            skill.awarded = item
    associations = (
        Association.objects.filter(Q(source_id__in=by_achievement) | Q(target_id__in=by_achievement))
        .select_related("source__current_version", "target__current_version")
        .only(
            "id", "source__id", "source__human_code", "target__id", "target__human_code",
            "source__current_version__id", "source__current_version__name",
            "source__current_version__achievement_type", "target__current_version__id",
            "target__current_version__name", "target__current_version__achievement_type",
        )
        .order_by("pk")
    )  # fmt: skip
    competency_versions: dict[int, Skill] = {}
    for association in associations:
        for evidenced, other in (
            (association.source, association.target),
            (association.target, association.source),
        ):
            version = other.current_version
            if evidenced.pk not in by_achievement or version is None:
                continue
            if version.achievement_type not in COMPETENCY_TYPES:
                continue
            key = f"achievement:{other.pk}"
            skill = skills.setdefault(key, Skill(key=key, name=version.name, code=other.human_code))
            competency_versions.setdefault(version.pk, skill)
            for item in by_achievement[evidenced.pk]:
                if item is not skill.awarded and item not in skill.evidence:
                    skill.evidence.append(item)
    if competency_versions:
        # Where each competency sits in its framework (one query for all of them).
        for alignment in (
            Alignment.objects.filter(version_id__in=competency_versions)
            .only("version_id", "target_framework", "target_url")
            .order_by("-position", "-pk")
        ):
            skill = competency_versions[alignment.version_id]
            skill.framework = alignment.target_framework or skill.framework
            skill.url = alignment.target_url or skill.url
    for item in items:
        for alignment in item.award.achievement_version.alignments.all():
            if item.category == "competencies":
                skill = skills[f"achievement:{item.award.achievement_id}"]
                skill.framework = skill.framework or alignment.target_framework
                skill.url = skill.url or alignment.target_url
                continue
            key = "alignment:" + hashlib.sha256(alignment.target_url.encode()).hexdigest()[:16]
            skill = skills.setdefault(
                key,
                Skill(
                    key=key,
                    name=alignment.target_name,
                    framework=alignment.target_framework,
                    code=alignment.target_code,
                    url=alignment.target_url,
                ),
            )
            if item not in skill.evidence:
                skill.evidence.append(item)
    for skill in skills.values():
        for item in [skill.awarded, *skill.evidence]:
            if item is not None and skill.name not in item.skills:
                item.skills.append(skill.name)
    return sorted(skills.values(), key=lambda s: (s.awarded is None, s.code or s.name))


def _term_order(items: list[RecordItem]):
    """The sort key of record items: their term in its institution's chronological order, then date."""
    terms: dict[int, tuple] = {}
    for item in items:
        _institution, names = terms.setdefault(item.award.institution_id, (item.award.institution, set()))
        names.add(item.award.term)
    keys = {pk: term_order(institution=found, terms=names) for pk, (found, names) in terms.items()}

    def key(item: RecordItem):
        award = item.award
        term = keys[award.institution_id][award.term]
        return (term, award.activity_start_date or award.awarded_date, item.code)

    return key


def _matches(item: RecordItem, query: str) -> bool:
    haystack = " ".join(
        [item.name, item.code, item.award.term, item.achievement_type, item.institution.name, *item.skills]
    )
    return query.casefold() in haystack.casefold()


def wallet_dashboard(
    *, user, query: str = "", category: str = "", term: str = "", skill: str = ""
) -> Dashboard:
    """The user's whole record across institutions, grouped, searched and filtered.

    A constant number of queries whatever the number of awards: each relation is fetched once.
    """
    learners = learners_of_user(user=user)
    awards = list(_awards(learners)) if learners else []
    institutions = {learner.institution_id: learner.institution for learner in learners}
    for award in awards:
        award.institution = institutions[award.institution_id]
    credentials = _current_credentials(learners) if awards else {}
    items = [
        RecordItem(
            award=award,
            credential=credentials.get(award.pk),
            category=category_of(award.achievement_version.achievement_type),
            grades=_grades(award),
        )
        for award in awards
    ]
    skills = _skills(items) if items else []
    in_order = _term_order(items)
    imported = list(
        ExternalCredential.objects.filter(owner=user).filter(Q(confirmed=True) | ~Q(verdict="not_valid"))
    )
    clrs = (
        list(
            IssuedCredential.objects.filter(learner__in=learners, kind=CredentialKind.CLR, is_current=True)
            .only(
                "id",
                "institution_id",
                "state",
                "revoked_at",
                "suspended_at",
                "created_at",
                "signed_at",
                "document",
            )
            .order_by("institution_id")
        )
        if learners
        else []
    )
    institutions_by_id = {learner.institution_id: learner.institution for learner in learners}
    for clr in clrs:
        clr.institution = institutions_by_id[clr.institution_id]
        # The whole record as one credential: verified live, like its record page (one per institution).
        clr.wallet_state = verified_state(clr)
    facets = {
        "categories": CATEGORIES,
        "terms": [t for t in OrderedDict.fromkeys(i.award.term for i in sorted(items, key=in_order)) if t],
        "skills": [(s.key, s.name) for s in skills],
    }

    shown_items = items
    if query:
        shown_items = [i for i in shown_items if _matches(i, query)]
    if term:
        shown_items = [i for i in shown_items if i.award.term == term]
    if skill:
        chosen = next((s for s in skills if s.key == skill), None)
        members = {id(i) for i in ([chosen.awarded, *chosen.evidence] if chosen else []) if i is not None}
        shown_items = [i for i in shown_items if id(i) in members]
        skills = [chosen] if chosen else []
    if category:
        shown_items = [i for i in shown_items if i.category == category]
    shown_ids = {id(i) for i in shown_items}
    if query:
        skills = [
            s
            for s in skills
            if query.casefold() in f"{s.name} {s.code} {s.framework}".casefold()
            or any(id(i) in shown_ids for i in s.evidence)
        ]
        imported = [
            e
            for e in imported
            if query.casefold() in f"{e.name} {e.issuer_name} {e.achievement_type}".casefold()
        ]
    if category and category != "competencies":
        skills = []
    if term:
        skills = [s for s in skills if any(id(i) in shown_ids for i in [s.awarded, *s.evidence] if i)]
    if (category and category != "imported") or term or skill:
        imported = []

    # Credit totals come from the whole record, so a filter never changes what was earned.
    term_credits: OrderedDict[str, Decimal] = OrderedDict()
    for item in sorted(items, key=in_order):
        if item.category == "courses":
            term_credits.setdefault(item.award.term_label, Decimal(0))
            term_credits[item.award.term_label] += item.award.credits_earned or 0
    cumulative_by_term, running = {}, Decimal(0)
    for term_label, credits in term_credits.items():
        running += credits
        cumulative_by_term[term_label] = running

    groups: OrderedDict[str, TermGroup] = OrderedDict()
    for item in sorted(shown_items, key=in_order):
        if item.category != "courses":
            continue
        label = item.award.term_label
        group = groups.setdefault(
            label, TermGroup(label, [], term_credits.get(label, Decimal(0)), cumulative_by_term.get(label, 0))
        )
        group.items.append(item)
    return Dashboard(
        learners=learners,
        clrs=clrs,
        programs=[i for i in shown_items if i.category == "programs"],
        terms=list(groups.values()),
        skills=skills if category in ("", "competencies") else [],
        cocurricular=sorted(
            (i for i in shown_items if i.category == "cocurricular"), key=lambda i: i.award.awarded_date
        ),
        imported=imported,
        total_credits=running,
        facets=facets,
        filters={"q": query, "type": category, "term": term, "skill": skill},
        shown=len(shown_items) + len(imported),
        total=len(items) + len(imported),
    )


# --- one credential ---------------------------------------------------------------------------------


def own_credential(*, user, credential_id) -> IssuedCredential:
    """A credential about one of the user's learner records (DoesNotExist for anyone else's)."""
    return IssuedCredential.objects.select_related(
        "institution", "learner", "award__achievement", "award__achievement_version"
    ).get(pk=credential_id, learner__user=user, learner__user__isnull=False)


def shareable_credentials(*, user) -> list[IssuedCredential]:
    """The user's current, signed, unrevoked AchievementCredentials: what a share link may hold."""
    return list(
        IssuedCredential.objects.filter(
            learner__user=user,
            kind=CredentialKind.ACHIEVEMENT,
            is_current=True,
            state=CredentialState.SIGNED,
            revoked_at__isnull=True,
            award__withdrawn_at__isnull=True,
        )
        .select_related("institution", "award__achievement", "award__achievement_version")
        .defer("document", "jwt")
        .order_by(
            "institution__name",
            F("award__activity_start_date").asc(nulls_last=True),
            "award__awarded_date",
            "award__achievement__human_code",
        )
    )


def shares_of_user(*, user):
    return ShareLink.objects.filter(owner=user).prefetch_related("items")


def share_of_user(*, user, share_id) -> ShareLink:
    return ShareLink.objects.get(owner=user, pk=share_id)


def active_shares_of_credential(*, user, credential: IssuedCredential) -> list[ShareLink]:
    return [
        share
        for share in ShareLink.objects.filter(
            owner=user, items__credential=credential, revoked_at__isnull=True
        )
        if share.is_active
    ]


def share_by_token(*, token: str) -> ShareLink | None:
    """The share link a token opens, or None. Only the token's hash is looked up."""
    if not token or len(token) > 200:
        return None
    digest = hashlib.sha256(token.encode()).hexdigest()
    return ShareLink.objects.filter(token_hash=digest).first()


def share_credentials(*, share: ShareLink) -> list[IssuedCredential]:
    return [
        item.credential
        for item in share.items.select_related(
            "credential__institution", "credential__award", "credential__learner"
        ).order_by("position", "pk")
    ]


def imports_of_user(*, user):
    return ExternalCredential.objects.filter(owner=user)


def import_of_user(*, user, import_id) -> ExternalCredential:
    return ExternalCredential.objects.get(owner=user, pk=import_id)
