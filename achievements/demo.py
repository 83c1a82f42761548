"""Demo catalog and records: a degree of 40 courses over 8 terms, a certificate, competencies aligned to a
framework, co-curricular achievements, and students with plausible transcripts. Safe to run again."""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from institutions.models import Institution, User

from . import services
from .models import (
    Achievement,
    Association,
    Award,
    AwardResult,
    AwardSource,
    Learner,
    ResultDescription,
)

# The full US letter scale, best first; D- is the lowest passing grade.
LETTER_SCALE = ["A", "A-", "B+", "B", "B-", "C+", "C", "C-", "D+", "D", "D-", "F"]
# Share of each grade in a typical undergraduate course, and how many grade steps a strong or weak
# student moves from it.
GRADE_WEIGHTS = [17, 14, 13, 14, 10, 8, 8, 5, 3, 3, 2, 5]
TERMS = [
    ("Fall 2022", date(2022, 8, 29), date(2022, 12, 16)),
    ("Spring 2023", date(2023, 1, 17), date(2023, 5, 12)),
    ("Fall 2023", date(2023, 8, 28), date(2023, 12, 15)),
    ("Spring 2024", date(2024, 1, 16), date(2024, 5, 10)),
    ("Fall 2024", date(2024, 8, 26), date(2024, 12, 13)),
    ("Spring 2025", date(2025, 1, 21), date(2025, 5, 16)),
    ("Fall 2025", date(2025, 8, 25), date(2025, 12, 12)),
    ("Spring 2026", date(2026, 1, 20), date(2026, 5, 15)),
]
# Five courses a term: (code, name, credits, field of study).
COURSES = [
    ("CS 101", "Introduction to Programming", 4, "Computer Science"),
    ("MATH 151", "Calculus I", 4, "Mathematics"),
    ("ENG 101", "Academic Writing", 3, "English"),
    ("CS 110", "Computing in Society", 3, "Computer Science"),
    ("PHYS 101", "Physics I: Mechanics", 4, "Physics"),
    ("CS 102", "Data Structures", 4, "Computer Science"),
    ("MATH 152", "Calculus II", 4, "Mathematics"),
    ("MATH 171", "Discrete Mathematics", 3, "Mathematics"),
    ("COMM 110", "Public Speaking", 3, "Communication"),
    ("PHYS 102", "Physics II: Electricity and Magnetism", 4, "Physics"),
    ("CS 201", "Algorithms", 4, "Computer Science"),
    ("CS 210", "Computer Organization", 4, "Computer Science"),
    ("MATH 221", "Linear Algebra", 3, "Mathematics"),
    ("STAT 201", "Probability and Statistics", 3, "Statistics"),
    ("HIST 120", "World History since 1500", 3, "History"),
    ("CS 220", "Systems Programming", 4, "Computer Science"),
    ("CS 230", "Software Engineering", 4, "Computer Science"),
    ("CS 240", "Databases", 3, "Computer Science"),
    ("DS 250", "Data Analysis with Python", 3, "Data Science"),
    ("PHIL 210", "Ethics and Technology", 3, "Philosophy"),
    ("CS 301", "Operating Systems", 4, "Computer Science"),
    ("CS 310", "Computer Networks", 3, "Computer Science"),
    ("CS 320", "Programming Languages", 3, "Computer Science"),
    ("DS 330", "Machine Learning", 3, "Data Science"),
    ("ECON 101", "Principles of Economics", 3, "Economics"),
    ("CS 330", "Theory of Computation", 3, "Computer Science"),
    ("CS 340", "Computer Security", 3, "Computer Science"),
    ("CS 350", "Human-Computer Interaction", 3, "Computer Science"),
    ("DS 360", "Data Visualization", 3, "Data Science"),
    ("PSYC 101", "Introduction to Psychology", 3, "Psychology"),
    ("CS 401", "Distributed Systems", 3, "Computer Science"),
    ("CS 410", "Compilers", 3, "Computer Science"),
    ("CS 420", "Artificial Intelligence", 3, "Computer Science"),
    ("CS 490", "Capstone Project I", 3, "Computer Science"),
    ("ART 105", "Design Fundamentals", 3, "Art"),
    ("CS 430", "Cloud Computing", 3, "Computer Science"),
    ("CS 440", "Mobile Development", 3, "Computer Science"),
    ("CS 450", "Research Methods in Computing", 3, "Computer Science"),
    ("CS 491", "Capstone Project II", 3, "Computer Science"),
    ("BUS 201", "Entrepreneurship", 3, "Business"),
]
CERTIFICATE_COURSES = ["STAT 201", "DS 250", "DS 330", "DS 360"]
PREREQUISITES = [
    ("CS 101", "CS 102"), ("CS 102", "CS 201"), ("CS 201", "CS 301"), ("CS 210", "CS 220"),
    ("CS 220", "CS 301"), ("MATH 151", "MATH 152"), ("PHYS 101", "PHYS 102"), ("CS 490", "CS 491"),
    ("DS 250", "DS 330"), ("CS 301", "CS 401"),
]  # fmt: skip
FRAMEWORK = "Northbridge Computing Competency Framework"
FRAMEWORK_URL = "https://case.northbridge.example/ims/case/v1p0/CFItems/"
# (code, name, parent code or None, courses that develop it)
COMPETENCIES = [
    ("NCCF-1", "Software development", None, []),
    ("NCCF-1.1", "Programming fundamentals", "NCCF-1", ["CS 101", "CS 102"]),
    ("NCCF-1.2", "Algorithm design and analysis", "NCCF-1", ["CS 201", "CS 330"]),
    ("NCCF-1.3", "Software engineering practice", "NCCF-1", ["CS 230", "CS 490", "CS 491"]),
    ("NCCF-1.4", "Systems and security", "NCCF-1", ["CS 301", "CS 340", "CS 401"]),
    ("NCCF-2", "Professional practice", None, []),
    ("NCCF-2.1", "Written communication", "NCCF-2", ["ENG 101", "CS 450"]),
    ("NCCF-2.2", "Oral communication", "NCCF-2", ["COMM 110", "CS 491"]),
    ("NCCF-2.3", "Ethical reasoning", "NCCF-2", ["PHIL 210", "CS 110"]),
    ("NCCF-2.4", "Data literacy", "NCCF-2", ["STAT 201", "DS 250", "DS 360"]),
]
CO_CURRICULAR = [
    ("CC-TUTOR", "Peer Tutor", "CoCurricular", "Tutored first-year students for at least one semester."),
    ("CC-HACK", "Hackathon Participant", "CoCurricular", "Built and presented a project at a hackathon."),
    ("CC-GOV", "Student Government Representative", "CoCurricular", "Served a term in student government."),
    ("CC-SERVICE", "Community Service (40 hours)", "CommunityService", "Forty documented hours of service."),
    ("CC-LEAD", "Leadership Program", "MicroCredential", "Completed the six-workshop leadership program."),
]
DEGREE_CODE = "BS-CS"
CERTIFICATE_CODE = "CERT-DS"
LETTER_GRADE = {
    "name": "Final grade",
    "result_type": "LetterGrade",
    "allowed_values": LETTER_SCALE,
    "required_value": "D-",
}
STATUS_RESULT = {"name": "Completion", "result_type": "Status"}
CAPSTONE_RUBRIC = {
    "name": "Capstone rubric",
    "result_type": "RubricCriterionLevel",
    "levels": [
        {"name": "Exemplary", "points": "4", "description": "Exceeds professional expectations."},
        {"name": "Proficient", "points": "3", "description": "Meets professional expectations."},
        {"name": "Developing", "points": "2", "description": "Approaches expectations."},
        {"name": "Beginning", "points": "1", "description": "Does not yet meet expectations."},
    ],
    "required_level": "Developing",
}


def _course_fields(name, credits, field, term_index):
    return {
        "achievement_type": "Course",
        "name": name,
        "description": f"{name}: a {credits}-credit course of the BS in Computer Science.",
        "criteria_narrative": "Complete the course with a grade of D- or better.",
        "credits_available": Decimal(credits),
        "field_of_study": field,
        "level": "Undergraduate, year " + str(term_index // 2 + 1),
        "in_language": "en",
        "tags": [field.lower(), f"year-{term_index // 2 + 1}"],
    }


@transaction.atomic
def seed_catalog(*, institution: Institution) -> dict[str, Achievement]:
    """Create the demo catalog once; return every demo achievement by code."""
    existing = {a.human_code: a for a in Achievement.objects.filter(institution=institution)}
    if DEGREE_CODE in existing:
        return existing

    def add(code, fields, results=(), alignments=()):
        existing[code] = services.achievement_create(
            institution=institution,
            human_code=code,
            fields=fields,
            result_descriptions=list(results),
            alignments=list(alignments),
        )

    add(
        DEGREE_CODE,
        {
            "achievement_type": "BachelorDegree",
            "name": "Bachelor of Science in Computer Science",
            "description": "A four-year degree in computing: programming, systems, theory and practice.",
            "criteria_narrative": "Earn 120 credits in the 40 program courses with a GPA of 2.0 or higher.",
            "credits_available": Decimal(120),
            "field_of_study": "Computer Science",
            "specialization": "Software Systems",
            "level": "Undergraduate",
            "in_language": "en",
            "other_identifiers": [{"identifier_type": "ext:CIP", "identifier": "11.0701"}],
        },
        results=[
            {"name": "Cumulative GPA", "result_type": "GradePointAverage", "value_min": "0", "value_max": "4"}
        ],
    )
    add(
        CERTIFICATE_CODE,
        {
            "achievement_type": "Certificate",
            "name": "Certificate in Data Science",
            "description": "Statistics, data analysis, machine learning and visualization.",
            "criteria_narrative": "Pass STAT 201, DS 250, DS 330 and DS 360.",
            "credits_available": Decimal(12),
            "field_of_study": "Data Science",
            "in_language": "en",
        },
        results=[STATUS_RESULT],
    )
    for index, (code, name, credits, field) in enumerate(COURSES):
        results = [LETTER_GRADE] + ([CAPSTONE_RUBRIC] if code in ("CS 490", "CS 491") else [])
        add(code, _course_fields(name, credits, field, index // 5), results=results)
    for code, name, _parent, _courses in COMPETENCIES:
        add(
            code,
            {
                "achievement_type": "Competency",
                "name": name,
                "description": f"{name}, as defined by the {FRAMEWORK}.",
                "criteria_narrative": "Demonstrated in the courses associated with this competency.",
                "in_language": "en",
            },
            alignments=[
                {
                    "target_name": name,
                    "target_url": FRAMEWORK_URL + code.lower(),
                    "target_framework": FRAMEWORK,
                    "target_code": code,
                    "target_type": "CFItem",
                }
            ],
        )
    for code, name, kind, criteria in CO_CURRICULAR:
        add(
            code,
            {
                "achievement_type": kind,
                "name": name,
                "description": f"{name}: recognised by Student Life.",
                "criteria_narrative": criteria,
                "in_language": "en",
                "tags": ["co-curricular"],
            },
            results=[STATUS_RESULT],
        )
    links = [(code, DEGREE_CODE, "isPartOf") for code, *_ in COURSES]
    links += [(code, CERTIFICATE_CODE, "isPartOf") for code in CERTIFICATE_COURSES]
    links += [(before, after, "precedes") for before, after in PREREQUISITES]
    for code, _name, parent, courses in COMPETENCIES:
        if parent:
            links.append((code, parent, "isChildOf"))
        links += [(course, code, "isRelatedTo") for course in courses]
    Association.objects.bulk_create(
        Association(institution=institution, source=existing[a], target=existing[b], association_type=kind)
        for a, b, kind in links
    )
    return existing


GIVEN_NAMES = ["Maya", "Liam", "Aisha", "Noah", "Sofia", "Mateo", "Chloe", "Ethan", "Priya", "Lucas",
               "Amara", "Kenji", "Zoe", "Omar", "Hannah", "Diego", "Mei", "Samuel", "Leila", "Arjun",
               "Grace", "Tomás", "Nia", "Felix", "Yara", "Elijah", "Ines", "Jonah", "Freya"]  # fmt: skip
FAMILY_NAMES = ["Chen", "Okafor", "Garcia", "Nguyen", "Smith", "Haddad", "Kowalski", "Patel", "Rossi",
                "Johnson", "Tanaka", "Mensah", "Silva", "Müller", "Dubois", "Kim", "Andersson", "Cohen",
                "Novak", "Hughes", "Ibrahim", "Larsen", "Moreau", "Santos", "Walker", "Yilmaz"]  # fmt: skip
DEMO_STUDENT_EMAIL = "student@northbridge.example"


def _grade(rng: random.Random, ability: int) -> str:
    index = rng.choices(range(len(LETTER_SCALE)), weights=GRADE_WEIGHTS)[0]
    return LETTER_SCALE[min(max(index - ability, 0), len(LETTER_SCALE) - 1)]


GRADE_POINTS = dict(zip(LETTER_SCALE, [4, 3.7, 3.3, 3, 2.7, 2.3, 2, 1.7, 1.3, 1, 0.7, 0], strict=True))


@transaction.atomic
def seed_learners(*, institution: Institution, students: int = 50, seed: int = 2026) -> int:
    """Add demo students S000001… up to `students`, each with a transcript; returns how many were added."""
    catalog = {a.human_code: a for a in Achievement.objects.filter(institution=institution)}
    descriptions: dict[int, list[ResultDescription]] = {}
    for description in (
        ResultDescription.objects.filter(version__achievement__institution=institution)
        .prefetch_related("levels")
        .order_by("position")
    ):
        descriptions.setdefault(description.version_id, []).append(description)
    wanted = [f"S{number:06d}" for number in range(1, students + 1)]
    present = set(
        Learner.objects.filter(institution=institution, student_id__in=wanted).values_list(
            "student_id", flat=True
        )
    )
    missing = [student_id for student_id in wanted if student_id not in present]
    if not missing:
        return 0
    demo_user = User.objects.filter(email=DEMO_STUDENT_EMAIL).first()
    if demo_user and Learner.objects.filter(institution=institution, user=demo_user).exists():
        demo_user = None
    learners = []
    for student_id in missing:
        rng = random.Random(f"{seed}-{student_id}")  # noqa: S311 (demo data, not secrets)
        given, family = rng.choice(GIVEN_NAMES), rng.choice(FAMILY_NAMES)
        learner = Learner(
            institution=institution,
            student_id=student_id,
            sourced_id=f"usr-{student_id.lower()}",
            given_name=given,
            family_name=family,
            email=f"{given}.{family}.{student_id[-4:]}@students.northbridge.example".lower(),
        )
        if student_id == "S000001" and demo_user is not None:
            # The demo student has claimed their record (achievements.claims), as a real one would.
            learner.user, learner.claimed_at = demo_user, timezone.now()
            learner.given_name, learner.family_name = (
                demo_user.first_name or given,
                demo_user.last_name or family,
            )
            learner.email = demo_user.email
        learners.append(learner)
    Learner.objects.bulk_create(learners)

    awards, results = [], []

    def award(learner, achievement, term_index, *, value=None, level=None, status="Completed", credits=None):
        version_id = achievement.current_version_id
        term, start, end = TERMS[term_index] if term_index is not None else ("", None, None)
        awarded = end + timedelta(days=5) if end else TERMS[-1][2]
        row = Award(
            institution=institution,
            learner=learner,
            achievement=achievement,
            achievement_version_id=version_id,
            term=term,
            credits_earned=credits,
            activity_start_date=start,
            activity_end_date=end,
            awarded_date=awarded,
            source=AwardSource.DEMO,
        )
        awards.append(row)
        for description in descriptions.get(version_id, ()):
            kind = description.result_type
            if kind in ("LetterGrade", "GradePointAverage") and value is not None:
                passing = description.is_passing(value)
                results.append((row, description, value, "Completed" if passing else "Failed", None))
            elif kind == "RubricCriterionLevel" and level is not None:
                found = next(lvl for lvl in description.levels.all() if lvl.name == level)
                passing = description.is_passing(level)
                results.append((row, description, level, status if passing else "Failed", found))
            elif kind == "Status":
                results.append((row, description, "", status, None))

    for learner in learners:
        rng = random.Random(f"{seed}-{learner.student_id}-record")  # noqa: S311
        ability = rng.choice([-2, -1, 0, 0, 0, 1, 1, 2])
        # Students started in different terms: some have graduated, others are part-way.
        terms_done = 8 if learner.student_id == "S000001" else rng.choice([2, 3, 4, 5, 6, 7, 8, 8, 8])
        points = credits_total = 0.0
        passed = set()
        for term_index in range(terms_done):
            for code, _name, credits, _field in COURSES[term_index * 5 : term_index * 5 + 5]:
                grade = _grade(rng, ability)
                earned = Decimal(credits) if grade != "F" else Decimal(0)
                level = None
                if code in ("CS 490", "CS 491"):
                    # The rubric agrees with the grade: every passing grade meets its required level.
                    level = (
                        "Beginning" if grade == "F"
                        else "Exemplary" if grade in ("A", "A-")
                        else "Proficient" if grade.startswith("B")
                        else "Developing"
                    )  # fmt: skip
                award(learner, catalog[code], term_index, value=grade, level=level, credits=earned)
                points += GRADE_POINTS[grade] * credits
                credits_total += credits
                if grade != "F":
                    passed.add(code)
        gpa = points / credits_total if credits_total else 0
        if terms_done == 8 and len(passed) == len(COURSES) and gpa >= 2.0:
            award(learner, catalog[DEGREE_CODE], 7, value=f"{gpa:.2f}", credits=Decimal(120))
        if set(CERTIFICATE_COURSES) <= passed:
            certificate_term = max(i for i, c in enumerate(COURSES) if c[0] in CERTIFICATE_COURSES) // 5
            award(learner, catalog[CERTIFICATE_CODE], certificate_term)
        for code, *_ in rng.sample(CO_CURRICULAR, k=rng.choice([0, 1, 1, 2, 3])):
            award(learner, catalog[code], rng.randrange(terms_done))

    Award.objects.bulk_create(awards, batch_size=1000)
    AwardResult.objects.bulk_create(
        (
            AwardResult(award=row, result_description=d, value=value, status=status, achieved_level=level)
            for row, d, value, status, level in results
        ),
        batch_size=1000,
    )
    return len(learners)


def seed(*, institution: Institution, students: int = 50) -> tuple[int, int]:
    """The catalog (once) and students up to `students`. Returns (achievements, learners added)."""
    catalog = seed_catalog(institution=institution)
    added = seed_learners(institution=institution, students=students)
    return len(catalog), added
