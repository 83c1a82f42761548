"""What people call the OB 3.0 enumerations: "Co-curricular", "Bachelor's degree", "Letter grade".

The one place pages, forms and PDFs turn an `achievementType` or a `resultType` into words; a value
without words of its own (an extension such as "ext:MyCampusAward") is split at its capitals.
"""

import re

# OB 3.0 B.1.1 AchievementType: those whose capitals alone do not make the words.
ACHIEVEMENT_TYPE_WORDS = {
    "AssociateDegree": "Associate degree",
    "BachelorDegree": "Bachelor's degree",
    "CoCurricular": "Co-curricular",
    "DoctoralDegree": "Doctoral degree",
    "GeneralEducationDevelopment": "General Educational Development (GED)",
    "MasterDegree": "Master's degree",
    "MicroCredential": "Micro-credential",
}
# OB 3.0 B.1.3 ResultType.
RESULT_TYPE_WORDS = {
    "GradePointAverage": "Grade point average",
    "LetterGrade": "Letter grade",
    "Percent": "Percentage",
    "PerformanceLevel": "Performance level",
    "PredictedScore": "Predicted score",
    "RawScore": "Score",
    "Result": "Result",
    "RubricCriterion": "Rubric criterion",
    "RubricCriterionLevel": "Rubric level",
    "RubricScore": "Rubric score",
    "ScaledScore": "Scaled score",
    "Status": "Status",
}
_CAPITAL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def words(value: str) -> str:
    """ "ext:MyCampusAward" -> "My campus award"."""
    spaced = _CAPITAL.sub(" ", value.removeprefix("ext:").replace("_", " ")).strip()
    return spaced[:1].upper() + spaced[1:].lower() if spaced else ""


def achievement_type_label(value) -> str:
    """What people call an OB 3.0 achievementType: "Course", "Co-curricular", "Bachelor's degree"."""
    if not isinstance(value, str):
        return ""
    return ACHIEVEMENT_TYPE_WORDS.get(value) or words(value)


def result_type_label(value) -> str:
    """What people call an OB 3.0 resultType: "Letter grade", "Grade point average"."""
    if not isinstance(value, str):
        return ""
    return RESULT_TYPE_WORDS.get(value) or words(value)
