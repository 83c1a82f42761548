import factory
from allauth.account.models import EmailAddress

from institutions.models import Institution, Membership, Role, User

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.edu")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        if create:
            self.save()
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution

    slug = factory.Sequence(lambda n: f"college-{n}")
    name = factory.Sequence(lambda n: f"College Number {n}")
    url = factory.LazyAttribute(lambda o: f"https://{o.slug}.example.edu")
    email = factory.LazyAttribute(lambda o: f"registrar@{o.slug}.example.edu")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    institution = factory.SubFactory(InstitutionFactory)
    role = Role.STUDENT


# --- achievements: catalog entries are made through the service, so each has its first version.

LETTER_SCALE = ["A", "A-", "B+", "B", "B-", "C+", "C", "C-", "D+", "D", "F"]
LETTER_GRADE = {
    "name": "Final grade",
    "result_type": "LetterGrade",
    "allowed_values": LETTER_SCALE,
    "required_value": "D",
}


def make_achievement(institution, human_code="CS 101", *, results=None, alignments=(), **fields):
    """A catalog achievement (default: a 4-credit course graded A–F)."""
    from achievements.services import achievement_create

    values = {
        "achievement_type": "Course",
        "name": f"Course {human_code}",
        "description": f"The course {human_code}.",
        "criteria_narrative": "Pass the course with a D or better.",
        "credits_available": 4,
        "in_language": "en",
    }
    values.update(fields)
    return achievement_create(
        institution=institution,
        human_code=human_code,
        fields=values,
        result_descriptions=[LETTER_GRADE] if results is None else results,
        alignments=list(alignments),
    )


def program_transcript(institution, **learner_fields):
    """A learner with three graded courses (A, B+, C; 4 credits each) that are part of a degree program.

    Returns the learner and their awards.
    """
    from achievements.services import association_create, award_create

    program = make_achievement(
        institution, "BS-CS", achievement_type="Degree", name="BSc Computer Science", results=[]
    )
    learner = LearnerFactory(institution=institution, **learner_fields)
    awards = []
    for n, grade in enumerate(["A", "B+", "C"], start=1):
        course = make_achievement(institution, f"CS {100 + n}", name=f"Computing {n}")
        association_create(source=course, target=program, association_type="isPartOf")
        description = course.current_version.result_descriptions.get()
        awards.append(
            award_create(
                learner=learner,
                achievement=course,
                term=f"Fall 202{n}",
                results=[{"result_description": description, "value": grade}],
                credits_earned=4,
            )
        )
    return learner, awards


def experience_attested_and_verified(
    experience, *, student, advisor, supervisor_email, attestation: dict, hours, ratings, comment
):
    """Take an experience the way people do: its supervisor attests it from their link (`attestation`:
    the keywords of supervisor_attest), the student submits it, the advisor verifies it; tasks run eagerly."""
    from django.test import TestCase

    from experiences import services

    with TestCase.captureOnCommitCallbacks(execute=True):
        request = services.supervisor_request_create(
            experience=experience, email=supervisor_email, actor=student
        )
    services.supervisor_attest(request=request, **attestation)
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.experience_submit(experience=experience, actor=student)
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.experience_verify(
            experience=experience, actor=advisor, hours=hours, ratings=ratings, comment=comment
        )
    experience.refresh_from_db()
    return experience


class LearnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "achievements.Learner"

    institution = factory.SubFactory(InstitutionFactory)
    student_id = factory.Sequence(lambda n: f"S{n:06d}")
    given_name = factory.Faker("first_name")
    family_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda o: f"{o.student_id.lower()}@students.example.edu")


# An Open Badges 2.0 assertion from another issuer, as learners import them (hosted, unsigned).
OB2_ASSERTION = {
    "@context": "https://w3id.org/openbadges/v2",
    "type": "Assertion",
    "id": "https://badges.example.org/assertions/123",
    "recipient": {"type": "email", "hashed": False, "identity": "maya@example.org"},
    "issuedOn": "2019-05-01T00:00:00Z",
    "verification": {"type": "hosted"},
    "badge": {
        "type": "BadgeClass",
        "id": "https://badges.example.org/badges/first-aid",
        "name": "First Aid Volunteer",
        "description": "Completed a 16-hour first aid course.",
        "criteria": {"narrative": "Attend the course and pass the practical test."},
        "issuer": {"type": "Profile", "id": "https://redcross.example.org", "name": "Red Cross Example"},
    },
}


def next_term_award(learner, institution, *, code: str = "CS 201", value: str = "A-"):
    """One more graded course for the learner, in a later term than program_transcript's."""
    from achievements.services import award_create

    course = make_achievement(institution, code, name=f"Computing {code}")
    description = course.current_version.result_descriptions.get()
    return award_create(
        learner=learner,
        achievement=course,
        term="Spring 2024",
        results=[{"result_description": description, "value": value}],
        credits_earned=4,
    )
