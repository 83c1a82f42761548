"""Rows to unsigned OB 3.0 / CLR 2.0 documents (through the framework-free builders of `vc.documents`)."""

import hashlib
import hmac
from datetime import UTC, date, datetime, time
from decimal import Decimal

from django.conf import settings
from django.urls import reverse

from achievements.models import Achievement, Association, Award, Learner
from achievements.selectors import achievement_version_document
from institutions.selectors import institution_profile
from vc import documents as vcd

from .models import IssuedCredential
from .status_lists import status_entry_for

# Achievement definitions shared by the tasks of a worker process. A version that has been awarded
# never changes, and every edit of a catalog entry goes through achievements.services and saves the
# Achievement, so (version, achievement.updated_at) names one definition; a stale key is just unused.
_ACHIEVEMENT_DOCUMENTS: dict[tuple, vcd.Achievement] = {}
_ACHIEVEMENT_DOCUMENTS_MAX = 4096


def _achievement_key(version) -> tuple:
    return (version.pk, version.achievement.updated_at)


class DocumentCache:
    """Per-batch memo of issuer profiles and signing keys; achievement definitions per worker process."""

    def __init__(self):
        self._profiles: dict[int, vcd.Profile] = {}
        self._keys: dict[int, object] = {}

    def issuer(self, institution) -> vcd.Profile:
        if institution.pk not in self._profiles:
            self._profiles[institution.pk] = institution_profile(institution=institution)
        return self._profiles[institution.pk]

    def signing_key(self, institution):
        """The institution's active Ed25519 key, looked up once per batch."""
        from .signing import active_key

        if institution.pk not in self._keys:
            self._keys[institution.pk] = active_key(institution=institution)
        return self._keys[institution.pk]

    def prime(self, versions) -> None:
        """Load the definitions of `versions` not yet known, with their parts, in a few queries."""
        from achievements.models import AchievementVersion

        missing = {v.pk for v in versions if _achievement_key(v) not in _ACHIEVEMENT_DOCUMENTS}
        if not missing:
            return
        if len(_ACHIEVEMENT_DOCUMENTS) + len(missing) > _ACHIEVEMENT_DOCUMENTS_MAX:
            _ACHIEVEMENT_DOCUMENTS.clear()
        loaded = (
            AchievementVersion.objects.filter(pk__in=missing)
            .select_related("achievement")
            .prefetch_related("alignments", "result_descriptions__levels")
        )
        for version in loaded:
            _ACHIEVEMENT_DOCUMENTS[_achievement_key(version)] = achievement_version_document(version=version)

    def achievement(self, version) -> vcd.Achievement:
        key = _achievement_key(version)
        document = _ACHIEVEMENT_DOCUMENTS.get(key)
        if document is None:
            self.prime([version])
            # Edited since `version` was read: build it from the row in hand, without keeping it.
            document = _ACHIEVEMENT_DOCUMENTS.get(key) or achievement_version_document(version=version)
        return document


def clear_document_caches() -> None:
    """Forget the achievement definitions this process has built (tests that edit the catalog in place)."""
    _ACHIEVEMENT_DOCUMENTS.clear()


def learner_identity_salt(learner: Learner) -> str:
    """A salt that is secret (derived from SECRET_KEY) yet stable, so re-issued documents hash the same."""
    return hmac.new(
        settings.SECRET_KEY.encode(), f"learner-salt:{learner.uuid}".encode(), hashlib.sha256
    ).hexdigest()[:32]


def learner_identifiers(learner: Learner, *, include_name: bool = False) -> tuple[vcd.IdentityObject, ...]:
    """How the credential names its subject without exposing the email: OB 3.0 hashed IdentityObjects,
    and the learner's name in plain text when they chose to include it."""
    salt = learner_identity_salt(learner)
    identifiers = []
    full_name = f"{learner.given_name} {learner.family_name}".strip()
    if include_name and full_name:
        # OB 3.0 B.1.2 IdentityObject: identityType `name`, not hashed, identityHash holds the value.
        identifiers.append(vcd.IdentityObject(identity_hash=full_name, identity_type="name", hashed=False))
    if learner.email:
        identifiers.append(vcd.IdentityObject.hashed_email(learner.email, salt=salt))
    identifiers.append(
        vcd.IdentityObject(
            identity_hash=vcd.identity_hash(learner.student_id, salt), identity_type="sisSourcedId", salt=salt
        )
    )
    return tuple(identifiers)


def _datetime(value: date | None) -> datetime | None:
    """OB 3.0 dates (awardedDate, activity dates) are DateTimes; a day is its start, UTC."""
    return None if value is None else datetime.combine(value, time.min, tzinfo=UTC)


def _credits(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _competency_alignment(competency: Achievement) -> vcd.Alignment:
    """The Alignment of a result to a catalog competency: its own framework link, else the issuer's page."""
    version = competency.current_version
    framework = next(iter(version.alignments.all()), None)
    url = (
        framework.target_url
        if framework
        else settings.PORTAL_BASE_URL
        + reverse("institutions:profile", kwargs={"slug": competency.institution.slug})
    )
    return vcd.Alignment(
        target_name=version.name,
        target_url=url,
        target_description=version.description or None,
        target_framework=framework.target_framework or None if framework else None,
        target_code=competency.human_code,
        target_type="ceasn:Competency",
    )


def _results(award: Award) -> tuple[vcd.Result, ...]:
    return tuple(
        vcd.Result(
            result_description=result.result_description.public_id,
            value=result.value or None,
            achieved_level=result.achieved_level.public_id if result.achieved_level_id else None,
            status=result.status or None,
            alignments=(_competency_alignment(result.aligned_to),) if result.aligned_to_id else (),
        )
        for result in award.results.all()
    )


def _assessor(award: Award) -> vcd.Profile | None:
    """OB 3.0 source: "the person, organization, or system that assessed the achievement"."""
    if not award.assessor_id:
        return None
    return vcd.Profile(
        id=award.assessor_id, name=award.assessor_name or None, description=award.assessor_role or None
    )


def _evidence(award: Award) -> tuple[vcd.Evidence, ...]:
    items = []
    for evidence in award.evidence.all():
        url = evidence.url or None
        if not url and evidence.file:
            url = settings.PORTAL_BASE_URL + evidence.file_url
        items.append(
            vcd.Evidence(
                id=url,
                narrative=evidence.narrative or None,
                name=evidence.name or None,
                description=evidence.description or None,
                genre=evidence.genre or None,
                audience=evidence.audience or None,
            )
        )
    return tuple(items)


def achievement_credential_document(
    *, credential: IssuedCredential, cache: DocumentCache | None = None
) -> dict:
    """The unsigned OpenBadgeCredential for the award of `credential`."""
    cache = cache or DocumentCache()
    award = credential.award
    learner = credential.learner
    achievement = cache.achievement(award.achievement_version)
    subject = vcd.AchievementSubject(
        id=credential.holder_did or learner.did or None,
        identifiers=learner_identifiers(learner),
        achievement=achievement,
        results=_results(award),
        credits_earned=_credits(award.credits_earned),
        term=award.term or None,
        activity_start_date=_datetime(award.activity_start_date),
        activity_end_date=_datetime(award.activity_end_date),
        narrative=award.narrative or None,
        role=award.role or None,
        source=_assessor(award),
    )
    return vcd.achievement_credential(
        id=credential.url,
        issuer=cache.issuer(credential.institution),
        subject=subject,
        name=achievement.name,
        description=achievement.description,
        valid_from=credential.created_at.replace(microsecond=0),
        awarded_date=_datetime(award.awarded_date),
        evidence=_evidence(award),
        credential_status=status_entry_for(status_list=credential.status_list, index=credential.status_index),
    )


def clr_associations(*, institution_id: int, achievement_ids: set[int]) -> list[tuple[str, int, int]]:
    """(type, source id, target id) of the catalog associations whose both ends are among the given
    achievements: the ids are all a CLR needs (loading both ends' rows was a quarter of building one)."""
    return list(
        Association.objects.filter(
            institution_id=institution_id, source_id__in=achievement_ids, target_id__in=achievement_ids
        ).values_list("association_type", "source_id", "target_id")
    )


def clr_credential_document(
    *, credential: IssuedCredential, nested: list[IssuedCredential], cache: DocumentCache | None = None
) -> dict:
    """The unsigned ClrCredential nesting the signed AchievementCredentials of `nested`.

    `achievement[]` holds the catalog achievements the nested ones are part of or related to (program,
    degree, competencies); the nested achievements are defined inside their credentials already, and
    `association[]` connects both by id. Not repeating them halves what has to be canonicalized.
    """
    cache = cache or DocumentCache()
    learner = credential.learner
    awarded_versions = {item.award.achievement_id: item.award.achievement_version for item in nested}
    related = _related_achievements(
        institution_id=credential.institution_id, achievement_ids=set(awarded_versions)
    )
    for achievement in related:
        if achievement.current_version_id:
            achievement.current_version.achievement = achievement  # already loaded: no query
    versions = {**{a.pk: a.current_version for a in related if a.current_version_id}, **awarded_versions}
    cache.prime(versions.values())
    associations = clr_associations(institution_id=credential.institution_id, achievement_ids=set(versions))
    documents_by_achievement = {
        achievement_id: cache.achievement(version) for achievement_id, version in versions.items()
    }
    subject = vcd.ClrSubject(
        id=credential.holder_did or learner.did or None,
        identifiers=learner_identifiers(learner, include_name=credential.names_learner),
        verifiable_credentials=tuple(item.document for item in nested),
        achievements=tuple(
            document
            for achievement_id, document in documents_by_achievement.items()
            if achievement_id not in awarded_versions
        ),
        associations=tuple(
            vcd.Association(
                association_type=association_type,
                source_id=documents_by_achievement[source_id].id,
                target_id=documents_by_achievement[target_id].id,
            )
            for association_type, source_id, target_id in associations
        ),
    )
    full_name = f"{learner.given_name} {learner.family_name}".strip()
    # A share's CLR without the learner's name must not carry it in its title either.
    named = credential.names_learner or not credential.partial
    return vcd.clr_credential(
        id=credential.url,
        issuer=cache.issuer(credential.institution),
        subject=subject,
        name=(f"Comprehensive Learner Record of {full_name}" if named else "Comprehensive Learner Record")
        + (" (selection)" if credential.partial else ""),
        description=f"{len(nested)} achievements recorded by {credential.institution.name}.",
        valid_from=credential.created_at.replace(microsecond=0),
        partial=credential.partial,
        credential_status=status_entry_for(status_list=credential.status_list, index=credential.status_index),
    )


def _related_achievements(*, institution_id: int, achievement_ids: set[int]):
    """Achievements the awarded ones point at (e.g. the program a course isPartOf), one level up."""
    from achievements.models import Achievement

    targets = Association.objects.filter(
        institution_id=institution_id, source_id__in=achievement_ids
    ).values_list("target_id", flat=True)
    sources = Association.objects.filter(
        institution_id=institution_id, target_id__in=achievement_ids
    ).values_list("source_id", flat=True)
    wanted = (set(targets) | set(sources)) - achievement_ids
    return list(Achievement.objects.filter(pk__in=wanted).select_related("current_version"))
