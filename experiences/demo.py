"""Demo experiences: the demo advisor's students with experiences in every state, so that the advisor's
queue and the student's wallet show the feature on first run. Safe to run again.

- The institution gets the NACE rubric, a reply-to address and a rule that internships need their
  supervisor's attestation.
- The demo advisor advises the first demo students (the demo student among them).
- Their experiences go through the real services: drafted, hours logged, sent to supervisors, attested,
  annotated (shared and internal notes), submitted, sent back, declined, expired by a deadline, verified
  (the credential is queued for the worker, which `make run` starts, to sign).
- The demo student has one verified experience in their wallet and others in progress.

Experiences are made once: if the institution has any, only the settings and assignments are checked.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from achievements.models import Achievement, Learner
from institutions.models import Institution, User

from . import services
from .models import CompetencyLevel, Experience, State, Visibility

DEMO_ADVISOR_EMAIL = "advisor@northbridge.example"
DEMO_ADMIN_EMAIL = "admin@northbridge.example"
DEMO_STUDENT_EMAIL = "student@northbridge.example"
REPLY_TO = "student-life@northbridge.example"
ADVISED_STUDENTS = 6

# What each demo experience is, whose it is (an index into the advised students; 0 is the demo student)
# and where it ends up.
EXPERIENCES = [
    {
        "student": 0,
        "state": State.VERIFIED,
        "fields": {
            "title": "Peer Mentoring Program",
            "organisation": "Northbridge Student Success Center",
            "role": "Peer mentor",
            "category": "leadership",
            "term": "Fall 2025",
            "description": "Mentored six first-year computer science students through their first term: "
            "weekly one-to-one meetings, two study-skills workshops, and referrals to tutoring.",
            "reflection": "Listening first made me a better mentor than having answers ready.",
        },
        "competencies": ["NACE-LEAD", "NACE-COM", "NACE-CSD"],
        "hours_log": [
            (date(2025, 9, 30), "12", "September meetings"),
            (date(2025, 10, 31), "14", "October meetings and a workshop"),
            (date(2025, 11, 28), "13", "November meetings and a workshop"),
        ],
        "notes": [
            (Visibility.INTERNAL, "Attendance confirmed with the Success Center's sign-in sheets."),
            (Visibility.SHARED, "A thoughtful reflection: keep it for your graduate school applications."),
        ],
        "ratings": [("NACE-LEAD", "Proficient"), ("NACE-COM", "Advanced"), ("NACE-CSD", "Proficient")],
        "comment": "Verified with the Student Success Center: six mentees, every meeting attended.",
    },
    {
        "student": 0,
        "state": State.SUBMITTED,
        "fields": {
            "title": "Robotics Club",
            "organisation": "Northbridge Engineering Society",
            "role": "Treasurer",
            "category": "club",
            "term": "Spring 2026",
            "hours": Decimal("30"),
            "description": "Kept the club's accounts and ran the budget of the build season; negotiated "
            "a parts sponsorship with a local supplier.",
        },
        "competencies": ["NACE-TEAM", "NACE-PROF"],
        "notes": [(Visibility.INTERNAL, "The club's staff sponsor could confirm the sponsorship deal.")],
    },
    {
        "student": 0,
        "state": State.DRAFT,
        "fields": {
            "title": "Hackathon organising team",
            "organisation": "HackNorthbridge",
            "role": "Logistics lead",
            "category": "other",
            "term": "Spring 2026",
            "description": "Planning the spring hackathon: venue, food and the schedule of 24 hours.",
        },
        "competencies": ["NACE-TEAM"],
        "hours_log": [(date(2026, 2, 14), "4", "First planning meeting")],
    },
    {
        "student": 1,
        "state": State.AWAITING_SUPERVISOR,
        "fields": {
            "title": "Summer data internship",
            "organisation": "Harbour Analytics",
            "role": "Data analyst intern",
            "category": "internship",
            "start_date": date(2025, 6, 2),
            "end_date": date(2025, 8, 22),
            "hours": Decimal("320"),
            "description": "Built the weekly sales dashboards and wrote data-quality checks for the "
            "customer database.",
        },
        "competencies": ["NACE-TECH", "NACE-CT", "NACE-PROF"],
        "supervisor": ("jo.lead@harbour-analytics.example", "Jo Lead"),
        "notes": [(Visibility.INTERNAL, "Harbour Analytics hosts two of our interns each summer.")],
    },
    {
        "student": 1,
        "state": State.CHANGES_REQUESTED,
        "fields": {
            "title": "Food bank volunteering",
            "organisation": "Northbridge Community Food Bank",
            "role": "Volunteer",
            "category": "service",
            "term": "Fall 2025",
            "hours": Decimal("25"),
            "description": "Sorted donations on Saturday mornings.",
        },
        "competencies": ["NACE-EI"],
        "notes": [(Visibility.SHARED, "Thank you for volunteering: the food bank relies on students.")],
        "changes": "Please add the dates you volunteered and log your hours, so that we can confirm them.",
    },
    {
        "student": 2,
        "state": State.VERIFIED,
        "fields": {
            "title": "Software engineering internship",
            "organisation": "Tidewater Systems",
            "role": "Software engineering intern",
            "category": "internship",
            "start_date": date(2025, 5, 27),
            "end_date": date(2025, 8, 15),
            "hours": Decimal("400"),
            "description": "Worked on the billing service's test suite and shipped two features to "
            "production with the payments team.",
        },
        "competencies": ["NACE-TECH", "NACE-TEAM"],
        "supervisor": ("r.osei@tidewater.example", "Rita Osei"),
        "attestation": {
            "hours": Decimal("392"),
            "levels": [("NACE-TECH", "Advanced"), ("NACE-TEAM", "Proficient")],
            "comment": "Quick to learn our stack and careful in code review.",
            "signer_name": "Rita Osei",
            "signer_title": "Engineering manager",
            "signer_organisation": "Tidewater Systems",
        },
        "ratings": [("NACE-TECH", "Advanced"), ("NACE-TEAM", "Proficient")],
        "hours": Decimal("392"),
        "comment": "Hours and competencies as confirmed by the host supervisor.",
    },
    {
        "student": 2,
        "state": State.DECLINED,
        "fields": {
            "title": "Intramural soccer",
            "organisation": "Northbridge Recreation",
            "role": "Player",
            "category": "athletics",
            "term": "Fall 2025",
            "hours": Decimal("20"),
            "description": "Played in the intramural league.",
        },
        "reason": "Intramural leagues are not recorded as co-curricular experiences at Northbridge; "
        "varsity athletics and club sports with a coach are.",
    },
    {
        "student": 3,
        "state": State.EXPIRED,
        "fields": {
            "title": "Undergraduate research assistant",
            "organisation": "Northbridge Human-Computer Interaction Lab",
            "role": "Research assistant",
            "category": "research",
            "term": "Spring 2025",
            "description": "Ran usability sessions for a study of screen-reader navigation.",
        },
        "competencies": ["NACE-CT"],
    },
    {
        "student": 4,
        "state": State.SUBMITTED,
        "fields": {
            "title": "Student government",
            "organisation": "Northbridge Student Association",
            "role": "Class representative",
            "category": "leadership",
            "term": "Fall 2025",
            "hours": Decimal("60"),
            "description": "Represented the second-year class on the student council.",
        },
        "competencies": ["NACE-LEAD", "NACE-COM"],
    },
    {
        "student": 5,
        "state": State.SUBMITTED,
        "fields": {
            "title": "Campus newspaper",
            "organisation": "The Northbridge Ledger",
            "role": "Copy editor",
            "category": "club",
            "term": "Spring 2026",
            "hours": Decimal("45"),
            "description": "Edited the weekly news section.",
        },
        "competencies": ["NACE-COM"],
    },
]


def _advised_students(institution: Institution) -> list[Learner]:
    """The demo student first, then the next demo students by id."""
    learners = Learner.objects.filter(institution=institution, student_id__startswith="S").order_by(
        "student_id"
    )
    demo_student = learners.filter(user__email=DEMO_STUDENT_EMAIL).first()
    others = [learner for learner in learners[: ADVISED_STUDENTS + 1] if learner != demo_student]
    return ([demo_student] if demo_student else []) + others[: ADVISED_STUDENTS - (1 if demo_student else 0)]


def _settings(institution: Institution) -> None:
    policy = services.policy_for(institution)
    policy.reply_to = policy.reply_to or REPLY_TO
    if not policy.supervisor_required:
        policy.supervisor_required = ["internship"]
    policy.save()


@transaction.atomic
def seed(*, institution: Institution) -> dict[str, int]:
    """The rubric, the settings, the advisor's students and their experiences; returns what was added."""
    added = {"rubric": services.competency_rubric_seed(institution=institution)}
    _settings(institution)
    advisor = User.objects.filter(email=DEMO_ADVISOR_EMAIL).first()
    admin = User.objects.filter(email=DEMO_ADMIN_EMAIL).first()
    students = _advised_students(institution)
    added["assigned"] = 0
    if advisor is None or not students:
        added["experiences"] = 0
        return added
    for learner in students:
        _assignment, created = services.advisor_assign(
            institution=institution, advisor=advisor, learner=learner, actor=admin
        )
        added["assigned"] += created
    if Experience.objects.filter(institution=institution).exists():
        added["experiences"] = 0
        return added
    competencies = {
        a.human_code: a
        for a in Achievement.objects.filter(institution=institution, human_code__startswith="NACE-")
    }
    levels = {level.name: level for level in CompetencyLevel.objects.filter(institution=institution)}
    # The expired one first, alone: the deadline that expires it must find nothing else open.
    ordered = sorted(EXPERIENCES, key=lambda spec: spec["state"] != State.EXPIRED)
    for spec in ordered:
        learner = students[spec["student"] % len(students)]
        _experience(spec, learner=learner, advisor=advisor, competencies=competencies, levels=levels)
    added["experiences"] = len(ordered)
    return added


def _experience(spec: dict, *, learner: Learner, advisor, competencies: dict, levels: dict) -> Experience:
    student = learner.user  # None for a record nobody has claimed yet
    experience = services.experience_create(
        learner=learner,
        fields=spec["fields"],
        competencies=[competencies[code] for code in spec.get("competencies", ())],
        actor=student,
    )
    for day, hours, note in spec.get("hours_log", ()):
        services.hours_entry_add(
            experience=experience, day=day, hours=Decimal(hours), note=note, actor=student
        )
    state = spec["state"]
    if state == State.DRAFT:
        return experience
    if state == State.EXPIRED:
        _expire(experience)
        return experience
    if "supervisor" in spec:
        email, name = spec["supervisor"]
        request = services.supervisor_request_create(
            experience=experience, email=email, name=name, actor=student
        )
        if "attestation" in spec:
            attestation = spec["attestation"]
            services.supervisor_attest(
                request=request,
                hours=attestation["hours"],
                competencies=[(competencies[code], levels[level]) for code, level in attestation["levels"]],
                comment=attestation["comment"],
                signer_name=attestation["signer_name"],
                signer_title=attestation["signer_title"],
                signer_organisation=attestation["signer_organisation"],
            )
    services.experience_submit(experience=experience, actor=student)
    for visibility, text in spec.get("notes", ()):
        services.annotation_add(experience=experience, author=advisor, text=text, visibility=visibility)
    if state == State.CHANGES_REQUESTED:
        services.experience_request_changes(experience=experience, actor=advisor, comment=spec["changes"])
    elif state == State.DECLINED:
        services.experience_decline(experience=experience, actor=advisor, reason=spec["reason"])
    elif state == State.VERIFIED:
        experience.refresh_from_db()
        services.experience_verify(
            experience=experience,
            actor=advisor,
            hours=spec.get("hours", experience.hours),
            ratings=[(competencies[code], levels[level]) for code, level in spec["ratings"]],
            comment=spec.get("comment", ""),
        )
    experience.refresh_from_db()
    if experience.state != state:
        raise RuntimeError(f"The demo experience {experience} ended {experience.state}, not {state}.")
    return experience


def _expire(experience: Experience) -> None:
    """Recorded before last term's deadline and never submitted: the deadline sweep expires it (and tells
    the student). The demo institution keeps no deadline afterwards."""
    policy = services.policy_for(experience.institution)
    deadline = timezone.localdate() - timedelta(days=1)
    Experience.objects.filter(pk=experience.pk).update(
        created_at=timezone.now() - timedelta(days=90), updated_at=timezone.now() - timedelta(days=90)
    )
    policy.deadline, policy.reminded_for = deadline, deadline
    policy.save()
    # The periodic sweep would do the same within the hour; it only expires what is open and late.
    services.deadline_sweep(today=timezone.localdate())
    policy.deadline = None
    policy.save()
