"""Reads about the catalog and learners' records, always scoped to one institution."""

import re
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, F, Min, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Coalesce

from institutions.models import Institution
from vc import documents as vcd

from .models import (
    Achievement,
    AchievementVersion,
    Alignment,
    Association,
    Award,
    Evidence,
    ImportRun,
    Learner,
    ResultDescription,
    Term,
)


def achievements_for_catalog(
    *,
    institution: Institution,
    query: str = "",
    achievement_type: str = "",
    field_of_study: str = "",
    include_retired: bool = False,
) -> QuerySet[Achievement]:
    """The institution's catalog, searched by code, name, description or tag, with award counts."""
    achievements = Achievement.objects.filter(institution=institution, personal=False).select_related(
        "current_version"
    )
    if not include_retired:
        achievements = achievements.filter(retired=False)
    if query:
        achievements = achievements.filter(
            Q(human_code__icontains=query)
            | Q(current_version__name__icontains=query)
            | Q(current_version__description__icontains=query)
            | Q(current_version__tags__icontains=query)
        )
    if achievement_type:
        achievements = achievements.filter(current_version__achievement_type=achievement_type)
    if field_of_study:
        achievements = achievements.filter(current_version__field_of_study=field_of_study)
    return achievements.annotate(
        award_count=Count("awards", filter=Q(awards__withdrawn_at__isnull=True))
    ).order_by("human_code")


def catalog_facets(*, institution: Institution) -> dict:
    """The achievement types and fields of study in use, for the catalog filters."""
    versions = AchievementVersion.objects.filter(
        achievement__institution=institution, achievement__current_version=F("pk")
    )
    return {
        "types": sorted(set(versions.values_list("achievement_type", flat=True))),
        "fields": sorted(set(versions.exclude(field_of_study="").values_list("field_of_study", flat=True))),
    }


def achievement_get(*, institution: Institution, achievement_id: int) -> Achievement:
    """One achievement of the institution (DoesNotExist for another institution's)."""
    return Achievement.objects.select_related("current_version", "institution").get(
        institution=institution, pk=achievement_id
    )


def achievement_associations(*, achievement: Achievement) -> list[Association]:
    return list(
        Association.objects.filter(Q(source=achievement) | Q(target=achievement))
        .select_related("source__current_version", "target__current_version")
        .order_by("association_type", "pk")
    )


def achievement_award_count(*, achievement: Achievement) -> int:
    return Award.objects.active().filter(achievement=achievement).count()


def version_with_details(*, version_id: int) -> AchievementVersion:
    """A version with its alignments, result descriptions and rubric levels loaded."""
    return (
        AchievementVersion.objects.select_related("achievement__institution")
        .prefetch_related(
            Prefetch("alignments", queryset=Alignment.objects.order_by("position", "pk")),
            Prefetch(
                "result_descriptions",
                queryset=ResultDescription.objects.select_related("required_level").prefetch_related(
                    "levels"
                ),
            ),
        )
        .get(pk=version_id)
    )


def _alignment_document(alignment: Alignment) -> vcd.Alignment:
    return vcd.Alignment(
        target_name=alignment.target_name,
        target_url=alignment.target_url,
        target_description=alignment.target_description or None,
        target_framework=alignment.target_framework or None,
        target_code=alignment.target_code or None,
        target_type=alignment.target_type or None,
    )


def result_description_document(description: ResultDescription) -> vcd.ResultDescription:
    levels = list(description.levels.all())
    return vcd.ResultDescription(
        id=description.public_id,
        name=description.name,
        result_type=description.result_type,
        allowed_values=tuple(description.allowed_values or ()),
        required_level=description.required_level.public_id if description.required_level_id else None,
        required_value=description.required_value or None,
        rubric_criterion_levels=tuple(
            vcd.RubricCriterionLevel(
                id=level.public_id,
                name=level.name,
                level=level.level or None,
                points=level.points or None,
                description=level.description or None,
            )
            for level in levels
        ),
        value_min=description.value_min or None,
        value_max=description.value_max or None,
    )


def _credits(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def achievement_version_document(*, version: AchievementVersion) -> vcd.Achievement:
    """The OB 3.0 Achievement for an achievement version (what a credential for its awards embeds)."""
    achievement = version.achievement
    image = None
    if version.image:
        url = version.image.url
        image = vcd.Image(
            id=url if url.startswith("http") else settings.PORTAL_BASE_URL + "/" + url.lstrip("/"),
            caption=version.image_caption or None,
        )
    identifiers = [
        vcd.IdentifierEntry(identifier=entry["identifier"], identifier_type=entry["identifier_type"])
        for entry in version.other_identifiers or []
    ]
    related = tuple(
        vcd.Related(id=other.public_id, version=other.label, in_language=other.in_language or None)
        for other in achievement.versions.exclude(pk=version.pk).order_by("number")
    )
    return vcd.Achievement(
        id=version.public_id,
        name=version.name,
        description=version.description,
        criteria=vcd.Criteria(id=version.criteria_url or None, narrative=version.criteria_narrative or None),
        achievement_type=version.achievement_type,
        image=image,
        alignments=tuple(_alignment_document(a) for a in version.alignments.all()),
        result_descriptions=tuple(result_description_document(d) for d in version.result_descriptions.all()),
        credits_available=_credits(version.credits_available),
        field_of_study=version.field_of_study or None,
        human_code=achievement.human_code,
        in_language=version.in_language or None,
        specialization=version.specialization or None,
        tags=tuple(version.tags or ()),
        version=version.label,
        other_identifiers=tuple(identifiers),
        related=related,
    )


def achievement_version_json(*, version: AchievementVersion) -> dict:
    return achievement_version_document(version=version).to_dict()


def primary_result_description(*, version: AchievementVersion) -> ResultDescription | None:
    """The description a single `result` value goes to: the first grade-like one, else a Status one."""
    descriptions = list(version.result_descriptions.all())
    return next(
        (d for d in descriptions if d.result_type != "Status"), descriptions[0] if descriptions else None
    )


def evidence_for_file_url(*, evidence_id, file_name: str) -> Evidence | None:
    """The evidence whose file's capability URL this is: its random id and the file's own name."""
    evidence = Evidence.objects.select_related("award").filter(uuid=evidence_id).exclude(file="").first()
    if evidence is None or evidence.file_name != file_name:
        return None
    return evidence


def import_run_with_file(*, institution: Institution, run_id: int) -> ImportRun | None:
    """An import run of the institution whose uploaded file is still kept (rejected ones are deleted)."""
    return ImportRun.objects.filter(institution=institution, pk=run_id).exclude(file="").first()


def learners_search(*, institution: Institution, query: str = "") -> QuerySet[Learner]:
    learners = Learner.objects.filter(institution=institution)
    if query:
        learners = learners.filter(
            Q(student_id__iexact=query)
            | Q(given_name__icontains=query)
            | Q(family_name__icontains=query)
            | Q(email__icontains=query)
        )
    return learners.annotate(award_count=Count("awards")).order_by("family_name", "given_name", "student_id")


def learner_get(*, institution: Institution, learner_id: int) -> Learner:
    return Learner.objects.get(institution=institution, pk=learner_id)


@dataclass
class TermRecord:
    term: str
    awards: list
    credits: Decimal


def awards_for_learner(*, learner: Learner, include_withdrawn: bool = True) -> list[TermRecord]:
    """The learner's awards grouped by term, terms in the order they happened."""
    awards = (
        Award.objects.filter(learner=learner, institution=learner.institution)
        .select_related("achievement", "achievement_version")
        .prefetch_related("results__result_description", "results__achieved_level", "evidence", "history")
    )
    if not include_withdrawn:
        awards = awards.active()
    awards = list(awards)
    terms = term_order(institution=learner.institution, terms={a.term for a in awards})
    ordered = sorted(
        awards,
        key=lambda a: (terms[a.term], a.activity_start_date or a.awarded_date, a.achievement.human_code),
    )
    terms: OrderedDict[str, TermRecord] = OrderedDict()
    for award in ordered:
        record = terms.setdefault(award.term_label, TermRecord(award.term_label, [], Decimal(0)))
        record.awards.append(award)
        if not award.is_withdrawn and award.credits_earned:
            record.credits += award.credits_earned
    return list(terms.values())


# --- terms in the order they happened ------------------------------------------------------------------

_SEASON_YEAR = re.compile(r"^\s*(winter|spring|summer|fall|autumn)\s+(\d{4})\s*$", re.IGNORECASE)
# Within a year: Winter < Spring < Summer < Fall; the month stands for the season when no date is known.
_SEASONS = {"winter": (0, 1), "spring": (1, 3), "summer": (2, 6), "fall": (3, 9), "autumn": (3, 9)}
_NO_SEASON = (10**4, 9)


def _season(name: str) -> tuple[int, int, int] | None:
    """(year, season's rank, its month) of a "<Season> <Year>" name."""
    found = _SEASON_YEAR.match(name)
    if not found:
        return None
    rank, month = _SEASONS[found.group(1).lower()]
    return int(found.group(2)), rank, month


def term_order(*, institution: Institution, terms: Iterable[str] | None = None) -> dict[str, tuple]:
    """The institution's term names (`terms`, else those of its awards) in the order they happened.

    Returns {name: sort key}, in order. A term is placed by its Term row's start date, else by the earliest
    activity start (or awarded) date of its awards, else by its name read as "<Season> <Year>" (Winter,
    Spring, Summer, Fall), which also breaks ties; names that tell no date follow alphabetically, and a
    blank term ("Other") comes last. Keys of different institutions compare with each other.
    """
    if terms is None:
        terms = (
            Award.objects.filter(institution=institution).order_by().values_list("term", flat=True).distinct()
        )
    names = set(terms)
    dated = {name for name in names if name and name != "Other"}
    # One query: the terms' start dates, and their awards' earliest dates (used where a term has none).
    term_starts = (
        Term.objects.filter(institution=institution, name__in=dated, start_date__isnull=False)
        .order_by()
        .values_list("name", "start_date", Value(0))
    )
    award_starts = (
        Award.objects.filter(institution=institution, term__in=dated)
        .order_by()
        .values("term")
        .annotate(first=Min(Coalesce("activity_start_date", "awarded_date")), rank=Value(1))
        .values_list("term", "first", "rank")
    )
    starts: dict[str, date] = {}
    for name, start, _rank in sorted(
        term_starts.union(award_starts, all=True) if dated else [], key=lambda r: -r[2]
    ):
        starts[name] = start
    keys = {}
    for name in names:
        season = _season(name) if name in dated else None
        start = starts.get(name)
        if start is None and season is not None:
            start = date(season[0], season[2], 1)
        if name not in dated:
            keys[name] = (2, date.max, _NO_SEASON, "")
        elif start is None:
            keys[name] = (1, date.max, _NO_SEASON, name)
        else:
            keys[name] = (0, start, season[:2] if season else _NO_SEASON, name)
    return dict(sorted(keys.items(), key=lambda item: item[1]))
