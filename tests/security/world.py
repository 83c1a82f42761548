"""The world the security suite runs in: two institutions, every role at each, and every kind of object.

Institution A and B each have an admin, a registrar, an advisor and two students with learner records,
signed credentials (from a bulk issuance job, with their CLRs), a share link, an SIS import run and an
imported external credential. It is built once for tests/security inside a transaction that is rolled
back after its last test; each test runs in a savepoint of it (pytest-django's `db`), so a POST that
changes something is undone before the next cell. Tests must not change the world's Python objects.
"""

import datetime
import io
import json
from dataclasses import dataclass, field
from importlib import import_module

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.core.files.base import ContentFile
from django.test import TestCase
from django.utils import timezone
from PIL import Image

from achievements import claims
from achievements.imports import records_import
from achievements.models import Evidence, ImportRun, Learner, LearnerInvitation
from achievements.services import association_create, award_create
from credentials import services as credential_services
from credentials.models import CredentialKind, IssuedCredential
from credentials.status_lists import status_list_publish
from experiences import services as experience_services
from experiences.models import ExperienceEvidence, SupervisorRequest
from institutions import services as institution_services
from institutions.models import Role, StaffInvitation
from tests.factories import (
    OB2_ASSERTION,
    InstitutionFactory,
    LearnerFactory,
    MembershipFactory,
    make_achievement,
)
from wallet import services as wallet_services

# The roles of the authorization matrix, in the order its columns are reported.
ROLES = (
    "anonymous",
    "student_a1",
    "student_a2",
    "advisor_a",
    "registrar_a",
    "admin_a",
    "registrar_b",
    "admin_b",
)

AWARD_CSV = (
    "student_id,sourced_id,given_name,family_name,email,achievement_code,term,result,result_status,"
    "credits_earned,activity_start_date,activity_end_date,awarded_date\n"
    "X9001,usr-x9001,Imported,Person,imported.person@students.example.edu,CS 101,Spring 2026,B,,4,"
    "2026-01-20,2026-05-15,2026-05-20\n"
)


@dataclass
class Campus:
    """One institution and everything of it the matrix points at."""

    institution: object
    admin: object
    registrar: object
    advisor: object
    students: list
    learners: list
    course: object
    program: object
    association: object
    # student 1's and student 2's issued course awards, then an award of student 1 not issued yet
    awards: list
    credentials: list  # the current AchievementCredential of each student's course award
    clr: object  # student 1's full CLR (from the bulk job)
    job: object
    import_run: object
    key: object  # the active Ed25519 signing key
    status_list: object
    evidence: object = None  # an evidence file of student 1's course award
    share: object = None
    share_token: str = ""
    share_clr: object = None
    external: object = None
    # Student 1's co-curricular experience, submitted and waiting for advisor_a (assigned to student 1).
    experience: object = None
    experience_evidence: object = None
    assignment: object = None
    supervisor_token: str = ""  # an open supervisor request of the experience


@dataclass
class World:
    a: Campus
    b: Campus
    users: dict = field(default_factory=dict)  # role name -> user (no entry for anonymous)
    session_keys: dict = field(default_factory=dict)  # role name -> a signed-in session of that user
    email_confirmation_key: str = ""  # for student A1's (unverified) second address
    password_reset_uidb36: str = ""
    password_reset_key: str = ""
    claim_token: str = ""  # a learner of A who has not claimed their record yet was sent this invitation
    staff_invitation_token: str = ""  # A invites an address no one of the matrix holds to be an advisor
    # The objects of the rooms that build their own part of the world (world_<room>.py), by name.
    extras: dict = field(default_factory=dict)

    def user(self, role: str):
        return self.users.get(role)

    def sign_in(self, client, role: str) -> None:
        """Make `client` the role's signed-in browser (its session was made with the world)."""
        if role != "anonymous":
            client.cookies[settings.SESSION_COOKIE_NAME] = self.session_keys[role]


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (20, 90, 160)).save(buffer, format="PNG")
    return buffer.getvalue()


def _grade(achievement, value):
    return [{"result_description": achievement.current_version.result_descriptions.get(), "value": value}]


def _campus(letter: str) -> Campus:
    institution = InstitutionFactory(slug=f"campus-{letter}", name=f"Campus {letter.upper()}")
    institution_services.signing_keys_rotate(institution=institution)
    institution.logo.save("logo.png", ContentFile(_png()), save=True)

    def member(role, name):
        return MembershipFactory(
            institution=institution, role=role, user__email=f"{name}.{letter}@example.edu"
        ).user

    admin, registrar, advisor = (
        member(Role.ADMIN, "admin"),
        member(Role.REGISTRAR, "registrar"),
        member(Role.ADVISOR, "advisor"),
    )
    students = [member(Role.STUDENT, f"student{n}") for n in (1, 2)]
    learners = [
        LearnerFactory(
            institution=institution,
            user=student,
            email=student.email,
            student_id=f"{letter.upper()}{n}0000{n}",
            given_name=f"Given{letter.upper()}{n}",
            family_name=f"Family{letter.upper()}{n}secret",
        )
        for n, student in enumerate(students, start=1)
    ]
    program = make_achievement(
        institution,
        "BS-CS",
        achievement_type="Degree",
        name="BSc Computer Science",
        results=[],
        credits_available=120,
    )
    course = make_achievement(institution, "CS 101", name="Introduction to Programming")
    second = make_achievement(institution, "CS 102", name="Data Structures")
    association = association_create(source=course, target=program, association_type="isPartOf")
    awards = [
        award_create(
            learner=learner,
            achievement=course,
            term="Fall 2025",
            results=_grade(course, "A-"),
            credits_earned=4,
            activity_start_date=datetime.date(2025, 9, 1),
            activity_end_date=datetime.date(2025, 12, 15),
        )
        for learner in learners
    ]
    evidence = Evidence.objects.create(
        award=awards[0], name="Project", file=ContentFile(b"%PDF-1.7 project", name="project.pdf")
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        job = credential_services.bulk_issue(
            institution=institution,
            selection=credential_services.Selection(term="Fall 2025"),
            actor=registrar,
        )
    # An award recorded after the job, so "issue this award" has something to do.
    awards.append(
        award_create(
            learner=learners[0],
            achievement=second,
            term="Spring 2026",
            results=_grade(second, "B"),
            credits_earned=4,
        )
    )
    credentials = [
        IssuedCredential.objects.get(award=award, kind=CredentialKind.ACHIEVEMENT, is_current=True)
        for award in awards[:2]
    ]
    for credential in credentials:
        assert credential.state == "signed", credential.error
    clr = IssuedCredential.objects.get(learner=learners[0], kind=CredentialKind.CLR, is_current=True)
    status_list = credentials[0].status_list
    status_list_publish(status_list_id=status_list.pk)

    run = ImportRun(institution=institution, uploaded_by=registrar, original_name="awards.csv")
    run.file.save("awards.csv", ContentFile(AWARD_CSV.encode()), save=False)
    records_import(
        institution=institution,
        data=AWARD_CSV.encode(),
        file_name="awards.csv",
        dry_run=True,
        actor=registrar,
        run=run,
    )
    run.refresh_from_db()

    campus = Campus(
        institution=institution,
        admin=admin,
        registrar=registrar,
        advisor=advisor,
        students=students,
        learners=learners,
        course=course,
        program=program,
        association=association,
        awards=awards,
        credentials=credentials,
        clr=clr,
        job=job,
        import_run=run,
        evidence=evidence,
        key=institution.signing_keys.active().get(algorithm="Ed25519"),
        status_list=status_list,
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        campus.share, campus.share_token = wallet_services.share_link_create(
            owner=students[0], credentials=[credentials[0]], label="For employers"
        )
    campus.share_clr = campus.share.clrs.get()
    campus.external = wallet_services.external_credential_import(
        owner=students[0], data=json.dumps(OB2_ASSERTION).encode(), original_name="assertion.json"
    )
    _experience_of_student_1(campus)
    return campus


def _experience_of_student_1(campus: Campus) -> None:
    institution, learner = campus.institution, campus.learners[0]
    experience_services.competency_rubric_seed(institution=institution)
    campus.assignment, _ = experience_services.advisor_assign(
        institution=institution, advisor=campus.advisor, learner=learner, actor=campus.admin
    )
    campus.experience = experience_services.experience_create(
        learner=learner,
        fields={
            "title": "Robotics Club", "organisation": "Engineering Society", "role": "Treasurer",
            "category": "club", "term": "Fall 2025", "hours": 40, "description": "Kept the club's accounts.",
        },
        actor=campus.students[0],
    )  # fmt: skip
    campus.experience_evidence = ExperienceEvidence.objects.create(
        experience=campus.experience, name="Budget", file=ContentFile(b"%PDF-1.7 budget", name="budget.pdf"),
        content_type="application/pdf", size=15,
    )  # fmt: skip
    with TestCase.captureOnCommitCallbacks(execute=True):
        experience_services.experience_submit(experience=campus.experience, actor=campus.students[0])
    campus.supervisor_token = f"matrix-supervisor-token-{institution.slug}"
    SupervisorRequest.objects.create(
        experience=campus.experience, email="host@example.org", name="Host",
        token_hash=institution_services.invitation_token_hash(campus.supervisor_token),
        sent_at=timezone.now(), expires_at=timezone.now() + datetime.timedelta(days=1),
    )  # fmt: skip
    campus.experience.refresh_from_db()


def build_world() -> World:
    a, b = _campus("a"), _campus("b")
    world = World(a=a, b=b)
    world.users = {
        "student_a1": a.students[0],
        "student_a2": a.students[1],
        "advisor_a": a.advisor,
        "registrar_a": a.registrar,
        "admin_a": a.admin,
        "registrar_b": b.registrar,
        "admin_b": b.admin,
    }
    for role, user in world.users.items():
        # What django.contrib.auth.login stores, made once instead of in every test (force_login).
        session = import_module(settings.SESSION_ENGINE).SessionStore()
        session.update(
            {
                SESSION_KEY: str(user.pk),
                BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[0],
                HASH_SESSION_KEY: user.get_session_auth_hash(),
            }
        )
        session.create()
        world.session_keys[role] = session.session_key
    pending = EmailAddress.objects.create(
        user=a.students[0], email="student1.a.second@example.edu", verified=False, primary=False
    )
    world.email_confirmation_key = EmailConfirmationHMAC(pending).key
    world.password_reset_uidb36 = user_pk_to_url_str(a.students[0])
    world.password_reset_key = default_token_generator.make_token(a.students[0])
    unclaimed = Learner.objects.create(
        institution=a.institution, student_id="A-UNCLAIMED", given_name="Una", family_name="Claimed",
        email="una.claimed@example.edu",
    )  # fmt: skip
    world.claim_token = "matrix-claim-token"
    LearnerInvitation.objects.create(
        learner=unclaimed, email=unclaimed.email, token_hash=claims.token_hash(world.claim_token),
        sent_at=timezone.now(), expires_at=timezone.now() + datetime.timedelta(days=1),
    )  # fmt: skip
    world.staff_invitation_token = "matrix-staff-invitation-token"
    StaffInvitation.objects.create(
        institution=a.institution, email="new.advisor@example.edu", role=Role.ADVISOR,
        token_hash=institution_services.invitation_token_hash(world.staff_invitation_token),
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )  # fmt: skip
    for room in ("world_oauth", "world_ims", "world_portal_api", "world_delivery"):
        import_module(f"tests.security.{room}").build(world)
    return world
