"""Reads about issued credentials and issuance jobs."""

from achievements.models import Achievement, Award
from institutions.models import Institution, Membership, Role

from .models import CredentialKind, IssuanceJob, IssuedCredential

STAFF_ROLES = (Role.ADMIN, Role.REGISTRAR)


def is_institution_staff(*, user, institution: Institution) -> bool:
    if not user.is_authenticated:
        return False
    return Membership.objects.filter(user=user, institution=institution, role__in=STAFF_ROLES).exists()


def credential_visible_to(*, credential: IssuedCredential, user) -> bool:
    """The learner the credential is about, and the institution's registrars and admins."""
    if not user.is_authenticated:
        return False
    if credential.learner.user_id == user.pk:
        return True
    return is_institution_staff(user=user, institution=credential.institution)


def credentials_of_learner(*, learner):
    return (
        IssuedCredential.objects.filter(learner=learner)
        .select_related("award__achievement")
        .order_by("kind", "-created_at")
    )


def terms_of(*, institution: Institution) -> list[str]:
    return list(
        Award.objects.filter(institution=institution)
        .exclude(term="")
        .values_list("term", flat=True)
        .distinct()
        .order_by("term")
    )


def programs_of(*, institution: Institution):
    """Achievements a bulk job can be scoped to (degrees, programs, courses…), grouped by type."""
    return (
        Achievement.objects.filter(institution=institution)
        .select_related("current_version")
        .order_by("current_version__achievement_type", "human_code")
    )


def job_progress(*, job: IssuanceJob) -> dict:
    return {
        "id": str(job.id),
        "state": job.state,
        "total": job.total,
        "signed": job.signed,
        "failed": job.failed,
        "queued": job.queued,
        "pdfs": {
            "expected": job.pdfs_expected,
            "rendered": job.pdfs_rendered,
            "failed": job.pdfs_failed,
            "waiting": job.pdfs_waiting,
        },
        "percent": job.percent_done,
    }


def credential_jwt(*, credential: IssuedCredential, sign) -> str:
    """The VC-JWT form of a signed credential (made once, then kept)."""
    if not credential.jwt:
        unsigned = {key: value for key, value in credential.document.items() if key != "proof"}
        credential.jwt = sign(institution=credential.institution, document=unsigned)
        IssuedCredential.objects.filter(pk=credential.pk).update(jwt=credential.jwt)
    return credential.jwt


def current_clr(*, learner):
    return IssuedCredential.objects.filter(learner=learner, kind=CredentialKind.CLR, is_current=True).first()


def credential_replacement(*, credential: IssuedCredential) -> IssuedCredential | None:
    """The award's current credential, when `credential` was replaced by it (None otherwise).

    A copy claimed into a holder's wallet (`holder_did`) is never current and is replaced by nothing: the
    institution's copy is another credential beside it.
    """
    if credential.kind != CredentialKind.ACHIEVEMENT or credential.is_current or credential.award_id is None:
        return None
    if credential.holder_did:
        return None
    return IssuedCredential.objects.filter(
        award_id=credential.award_id, kind=CredentialKind.ACHIEVEMENT, is_current=True
    ).first()
