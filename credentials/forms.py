"""The bulk issuance form: the term, and a picker of achievements that works without JavaScript.

The picker is checkboxes named `achievement` (the job form's contract), grouped by achievement type,
each group in a `<details>`. Searching (`?q=`) narrows the list on the server; achievements already
chosen are always listed, checked, so a search never drops a choice.
"""

from dataclasses import dataclass, field

from django.db.models import Q

from achievements.models import ACHIEVEMENT_TYPE_CHOICES, Achievement
from institutions.models import Institution

from . import selectors

QUERY_MAX_LENGTH = 100
TYPE_LABELS = dict(ACHIEVEMENT_TYPE_CHOICES)


def achievement_ids(values: list[str]) -> list[int]:
    """The values that can be ids of achievements (digits only, of a size an id can have)."""
    return [int(value) for value in values if value.isascii() and value.isdigit() and len(value) <= 18]


def search_query(value: str) -> str:
    return " ".join(value.split())[:QUERY_MAX_LENGTH]


@dataclass
class PickerGroup:
    label: str
    choices: list[tuple[Achievement, bool]] = field(default_factory=list)
    is_open: bool = False

    @property
    def chosen_count(self) -> int:
        return sum(checked for _achievement, checked in self.choices)


@dataclass
class AchievementPicker:
    query: str
    groups: list[PickerGroup]
    chosen: set[int]
    total: int
    matched: int | None = None  # how many match the query (the chosen are listed whether or not they do)


def achievement_picker(*, institution: Institution, query: str, chosen: list[int]) -> AchievementPicker:
    """The catalog's achievements grouped by type: those matching every word of `query`, and the chosen."""
    catalog = selectors.programs_of(institution=institution)
    chosen_ids = set(catalog.filter(pk__in=chosen).values_list("pk", flat=True))
    shown = catalog
    matched = None
    if query:
        matches = Q()
        for word in query.split()[:10]:
            matches &= Q(human_code__icontains=word) | Q(current_version__name__icontains=word)
        shown = catalog.filter(matches | Q(pk__in=chosen_ids))
        matched = catalog.filter(matches).count()
    groups: dict[str, PickerGroup] = {}
    for achievement in shown:
        kind = achievement.current_version.achievement_type if achievement.current_version_id else ""
        label = TYPE_LABELS.get(kind) or kind.removeprefix("ext:") or "Other"
        group = groups.setdefault(label, PickerGroup(label=label))
        group.choices.append((achievement, achievement.pk in chosen_ids))
    for group in groups.values():
        group.is_open = bool(query) or group.chosen_count > 0 or len(groups) == 1
    return AchievementPicker(
        query=query, groups=list(groups.values()), chosen=chosen_ids, total=catalog.count(), matched=matched
    )
