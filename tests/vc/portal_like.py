"""Portal-like documents for canonicalization tests and the vc benchmark (alignments, grades, rubrics)."""

from vc import data_integrity as di
from vc import documents as d
from vc.status import status_entry

CREATED = "2026-01-01T00:00:00Z"


def portal_achievement(i):
    """An achievement like the portal's: alignments, graded and rubric result descriptions."""
    base = f"https://portal.example/achievements/{i}"
    return d.Achievement(
        id=base,
        name=f"Course {i}: Applied Statistics",
        description="Descriptive statistics, probability, inference and regression with real data sets.",
        criteria=d.Criteria(id=f"{base}/criteria", narrative="Complete every unit and pass the final exam."),
        achievement_type="Course",
        alignments=(
            d.Alignment(
                target_name=f"Standard {i}.1",
                target_url=f"https://case.example/uri/{i}-1",
                target_description="Summarize data with measures of center and spread.",
                target_framework="State Standards",
                target_code=f"STAT.{i}.1",
                target_type="CFItem",
            ),
            d.Alignment(target_name=f"Standard {i}.2", target_url=f"https://case.example/uri/{i}-2"),
        ),
        result_descriptions=(
            d.ResultDescription(
                id=f"{base}/rd/grade",
                name="Final grade",
                result_type="LetterGrade",
                allowed_values=("F", "D", "C", "B", "A"),
                required_value="C",
            ),
            d.ResultDescription(
                id=f"{base}/rd/rubric",
                name="Project rubric",
                result_type="RubricCriterionLevel",
                required_level=f"{base}/rd/rubric/proficient",
                rubric_criterion_levels=(
                    d.RubricCriterionLevel(
                        id=f"{base}/rd/rubric/proficient", name="Proficient", level="3", points="3"
                    ),
                    d.RubricCriterionLevel(
                        id=f"{base}/rd/rubric/mastered",
                        name="Mastered",
                        level="4",
                        points="4",
                        description="Exceeds",
                    ),
                ),
            ),
        ),
        credits_available=3.0,
        field_of_study="Statistics",
        human_code=f"STAT {100 + i}",
        tags=("statistics", "data"),
    )


def portal_credential(i, signer, *, extra_contexts=()):
    """A signed AchievementCredential about 3 KB, with results, evidence and a status entry."""
    private, issuer, vm = signer
    achievement = portal_achievement(i)
    unsigned = d.achievement_credential(
        id=f"urn:uuid:00000000-0000-4000-8000-{i:012d}",
        issuer=d.Profile(id=issuer, name="Example University", url="https://example.edu"),
        subject=d.AchievementSubject(
            id="did:example:learner",
            achievement=achievement,
            results=(
                d.Result(result_description=f"{achievement.id}/rd/grade", value="A"),
                d.Result(
                    result_description=f"{achievement.id}/rd/rubric",
                    achieved_level=f"{achievement.id}/rd/rubric/mastered",
                ),
            ),
            credits_earned=3.0,
            term="Fall 2025",
        ),
        name=f"Course {i}: Applied Statistics",
        valid_from="2025-12-15T00:00:00Z",
        evidence=(
            d.Evidence(id=f"https://portal.example/evidence/{i}", name="Final project", narrative="Report."),
        ),
        credential_status=status_entry(list_url="https://portal.example/status/1", index=i),
        extra_contexts=extra_contexts,
    )
    return di.sign(unsigned, private_key=private, verification_method=vm, created=CREATED)
