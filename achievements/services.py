"""Writes to the catalog and to learners' records. Every change leaves an audit entry.

SIS imports live in `achievements.imports` (they write in batches); the functions here are one change each.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from institutions.models import Institution
from institutions.services import audit_record

from . import claims, signals
from .models import (
    Achievement,
    AchievementVersion,
    Alignment,
    Association,
    Award,
    AwardChange,
    AwardResult,
    AwardSource,
    Evidence,
    ImportRun,
    ImportStatus,
    Learner,
    ResultDescription,
    RubricLevel,
)

VERSION_FIELDS = (
    "achievement_type", "name", "description", "criteria_narrative", "criteria_url", "image",
    "image_caption", "credits_available", "field_of_study", "specialization", "level", "in_language",
    "tags", "other_identifiers", "version",
)  # fmt: skip


def _write_alignments(*, version: AchievementVersion, alignments: list[dict]) -> None:
    rows = [Alignment(version=version, position=i, **data) for i, data in enumerate(alignments)]
    for row in rows:
        row.full_clean(exclude=["version"])
    Alignment.objects.bulk_create(rows)


def _write_result_descriptions(*, version: AchievementVersion, result_descriptions: list[dict]) -> None:
    for position, data in enumerate(result_descriptions):
        data = dict(data)
        levels = data.pop("levels", [])
        required_level = data.pop("required_level", "") or ""
        description = ResultDescription(version=version, position=position, **data)
        description.full_clean(exclude=["version", "required_level"])
        description.save()
        created = RubricLevel.objects.bulk_create(
            [
                RubricLevel(result_description=description, position=i, **level)
                for i, level in enumerate(levels)
            ]
        )
        if required_level:
            match = next((level for level in created if level.name == required_level), None)
            if match is None:
                raise ValidationError(
                    f"The required level {required_level!r} is not one of the levels of {description.name!r}."
                )
            description.required_level = match
            description.save(update_fields=["required_level"])


def _new_version(*, achievement: Achievement, fields: dict, actor, number: int) -> AchievementVersion:
    version = AchievementVersion(achievement=achievement, number=number, created_by=actor, **fields)
    version.full_clean(exclude=["achievement"])
    version.save()
    return version


@transaction.atomic
def achievement_create(
    *,
    institution: Institution,
    human_code: str,
    fields: dict,
    alignments: list[dict] = (),
    result_descriptions: list[dict] = (),
    actor=None,
) -> Achievement:
    """Add an achievement to the catalog with its first version."""
    human_code = human_code.strip()
    if Achievement.objects.filter(institution=institution, human_code__iexact=human_code).exists():
        raise ValidationError(
            {"human_code": f"The catalog already has an achievement with the code {human_code}."}
        )
    achievement = Achievement.objects.create(institution=institution, human_code=human_code)
    version = _new_version(achievement=achievement, fields=fields, actor=actor, number=1)
    _write_alignments(version=version, alignments=list(alignments))
    _write_result_descriptions(version=version, result_descriptions=list(result_descriptions))
    achievement.current_version = version
    achievement.save(update_fields=["current_version", "updated_at"])
    audit_record(
        actor=actor, action="achievement.created", institution=institution, target=human_code, version=1
    )
    return achievement


@transaction.atomic
def achievement_update(
    *,
    achievement: Achievement,
    fields: dict,
    alignments: list[dict],
    result_descriptions: list[dict],
    actor=None,
    human_code: str | None = None,
    retired: bool | None = None,
    new_version: bool = False,
) -> AchievementVersion:
    """Save an edited achievement.

    A version that has been awarded is never changed: the edit becomes a new version (also when
    `new_version` asks for one), and existing awards keep the version they were earned under.
    """
    achievement = Achievement.objects.select_for_update().get(pk=achievement.pk)
    current = achievement.current_version
    if human_code is not None and human_code.strip() != achievement.human_code:
        human_code = human_code.strip()
        taken = Achievement.objects.filter(institution=achievement.institution, human_code__iexact=human_code)
        if taken.exclude(pk=achievement.pk).exists():
            raise ValidationError(
                {"human_code": f"The catalog already has an achievement with the code {human_code}."}
            )
        achievement.human_code = human_code
    if retired is not None:
        achievement.retired = retired
    awarded = current is not None and Award.objects.filter(achievement_version=current).exists()
    if current is None or awarded or new_version:
        number = (achievement.versions.aggregate(top=Max("number"))["top"] or 0) + 1
        if "image" not in fields and current is not None:
            fields = {**fields, "image": current.image}
        version = _new_version(achievement=achievement, fields=fields, actor=actor, number=number)
        achievement.current_version = version
    else:
        version = current
        for name, value in fields.items():
            setattr(version, name, value)
        version.full_clean(exclude=["achievement"])
        version.save()
        version.alignments.all().delete()
        version.result_descriptions.all().delete()
    _write_alignments(version=version, alignments=list(alignments))
    _write_result_descriptions(version=version, result_descriptions=list(result_descriptions))
    achievement.save()
    audit_record(
        actor=actor,
        action="achievement.updated",
        institution=achievement.institution,
        target=achievement.human_code,
        version=version.number,
        new_version=version.pk != getattr(current, "pk", None),
    )
    return version


def _reaches(edges: dict[int, set[int]], start: int, goal: int) -> bool:
    seen, stack = set(), [start]
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        if node not in seen:
            seen.add(node)
            stack.extend(edges.get(node, ()))
    return False


def _family(association_type: str) -> tuple[str, ...]:
    # isParentOf is isChildOf read backwards: both build one hierarchy, which must not loop.
    return (
        ("isChildOf", "isParentOf")
        if association_type in ("isChildOf", "isParentOf")
        else (association_type,)
    )


def association_cycle_problem(
    *, source: Achievement, target: Achievement, association_type: str
) -> str | None:
    """Why adding `source association_type target` would make a loop, or None."""
    if source.pk == target.pk:
        return "An achievement cannot be associated with itself."
    if association_type not in Association.ACYCLIC_TYPES:
        return None
    edges: dict[int, set[int]] = defaultdict(set)
    existing = Association.objects.filter(
        institution_id=source.institution_id, association_type__in=_family(association_type)
    ).values_list("source_id", "target_id", "association_type")
    for from_id, to_id, kind in existing:
        if kind == "isParentOf":
            from_id, to_id = to_id, from_id
        edges[from_id].add(to_id)
    start, goal = (source.pk, target.pk) if association_type == "isParentOf" else (target.pk, source.pk)
    # The new edge goes goal -> start (normalised); a path start -> goal closes a loop.
    if _reaches(edges, start, goal):
        return (
            f"{source.human_code} {association_type} {target.human_code} would make a loop: "
            f"{target.human_code} already leads back to {source.human_code}."
        )
    return None


@transaction.atomic
def association_create(
    *, source: Achievement, target: Achievement, association_type: str, actor=None
) -> Association:
    """Relate two achievements of one institution, refusing loops in hierarchical and ordered types."""
    if source.institution_id != target.institution_id:
        raise ValidationError("Both achievements must belong to the same institution.")
    # Serialise association writes of one institution so two concurrent edits cannot close a loop together.
    Institution.objects.select_for_update().filter(pk=source.institution_id).first()
    problem = association_cycle_problem(source=source, target=target, association_type=association_type)
    if problem:
        raise ValidationError(problem)
    if Association.objects.filter(source=source, target=target, association_type=association_type).exists():
        raise ValidationError("These achievements are already associated that way.")
    association = Association(
        institution_id=source.institution_id, source=source, target=target, association_type=association_type
    )
    association.full_clean()
    association.save()
    audit_record(
        actor=actor,
        action="association.created",
        institution=source.institution,
        target=str(association),
    )
    return association


@transaction.atomic
def association_delete(*, association: Association, actor=None) -> None:
    audit_record(
        actor=actor,
        action="association.deleted",
        institution=association.institution,
        target=str(association),
    )
    association.delete()


@transaction.atomic
def learner_save(*, learner: Learner, actor=None) -> Learner:
    """Create or update a learner profile (validated)."""
    learner.full_clean()
    created = learner.pk is None
    learner.save()
    if not created:
        claims.learner_address_changed(learner=learner)
    audit_record(
        actor=actor,
        action="learner.created" if created else "learner.updated",
        institution=learner.institution,
        target=learner.student_id,
    )
    return learner


@transaction.atomic
def award_create(
    *,
    learner: Learner,
    achievement: Achievement,
    term: str = "",
    results: list[dict] = (),
    result: str = "",
    result_status: str = "",
    credits_earned: Decimal | None = None,
    activity_start_date: date | None = None,
    activity_end_date: date | None = None,
    awarded_date: date | None = None,
    narrative: str = "",
    evidence: list[dict] = (),
    source: str = AwardSource.REGISTRAR,
    role: str = "",
    assessor: dict | None = None,
    actor=None,
) -> Award:
    """Record one award under the achievement's current version.

    `results`: [{"result_description": ResultDescription, "value": "A", "status": "", "achieved_level": …,
    "aligned_to": Achievement}]; or `result` / `result_status` alone, for the achievement's main result
    description (as the import does). `assessor`: {"id", "name", "role"} of who assessed it (OB 3.0 source).
    """
    if learner.institution_id != achievement.institution_id:
        raise ValidationError("The learner and the achievement belong to different institutions.")
    version = achievement.current_version
    if result or result_status:
        from .selectors import primary_result_description

        description = primary_result_description(version=version)
        if description is None:
            raise ValidationError(
                {"result": f"{achievement.human_code} has no result description for results."}
            )
        passing = description.is_passing(result) if result else result_status not in ("Failed", "Withdrew")
        status = result_status or ("Completed" if passing else "Failed")
        results = [*results, {"result_description": description, "value": result, "status": status}]
    if Award.objects.filter(learner=learner, achievement=achievement, term=term).exists():
        raise ValidationError(
            f"{learner.full_name} already has {achievement.human_code} for {term or 'no term'}: "
            "correct that award instead of adding another."
        )
    award = Award(
        institution_id=achievement.institution_id,
        learner=learner,
        achievement=achievement,
        achievement_version=version,
        term=term,
        credits_earned=credits_earned,
        activity_start_date=activity_start_date,
        activity_end_date=activity_end_date,
        awarded_date=awarded_date or activity_end_date or timezone.localdate(),
        narrative=narrative,
        source=source,
        role=role,
        assessor_id=(assessor or {}).get("id", ""),
        assessor_name=(assessor or {}).get("name", ""),
        assessor_role=(assessor or {}).get("role", ""),
    )
    award.full_clean()
    award.save()
    for result in results:
        description = result["result_description"]
        if description.version_id != version.pk:
            raise ValidationError(f"{description.name!r} is not a result description of {achievement}.")
        level = result.get("achieved_level")
        status = result.get("status", "")
        if result.get("value"):
            problem = description.value_problem(result["value"])
            if problem:
                raise ValidationError({"result": problem})
            if description.result_type == "RubricCriterionLevel" and level is None:
                level = description.levels.get(name=result["value"])
            # The criteria decide: a value below the passing level is a failed attempt, whatever was said.
            if not description.is_passing(result["value"]):
                status = "Failed"
        AwardResult.objects.create(
            award=award,
            result_description=description,
            value=result.get("value", ""),
            status=status,
            achieved_level=level,
            aligned_to=result.get("aligned_to"),
        )
    if award.is_attempt and award.credits_earned != 0:
        award.credits_earned = Decimal(0)
        award.save(update_fields=["credits_earned"])
    for item in evidence:
        Evidence.objects.create(award=award, **item)
    AwardChange.objects.create(
        award=award, action="created", actor=actor if getattr(actor, "pk", None) else None, source=source
    )
    audit_record(actor=actor, action="award.created", institution=learner.institution, target=str(award.uuid))
    return award


@transaction.atomic
def award_withdraw(*, award: Award, reason: str, actor=None) -> Award:
    """Withdraw an award (its credential gets revoked by the credentials app). History is kept."""
    reason = reason.strip()
    if not reason:
        raise ValidationError("Say why the award is withdrawn: the reason is kept in its history.")
    award = Award.objects.select_for_update().get(pk=award.pk)
    if award.is_withdrawn:
        raise ValidationError("This award is already withdrawn.")
    award.withdrawn_at = timezone.now()
    award.withdrawn_reason = reason
    award.withdrawn_by = actor if getattr(actor, "pk", None) else None
    award.save(update_fields=["withdrawn_at", "withdrawn_reason", "withdrawn_by", "updated_at"])
    AwardChange.objects.create(
        award=award, action="withdrawn", actor=award.withdrawn_by, changes={"reason": reason}
    )
    signals.award_withdrawn.send(sender=Award, award=award, reason=reason, actor=award.withdrawn_by)
    audit_record(
        actor=actor,
        action="award.withdrawn",
        institution=award.institution,
        target=str(award.uuid),
        reason=reason,
    )
    return award


@transaction.atomic
def award_reinstate(*, award: Award, actor=None) -> Award:
    award = Award.objects.select_for_update().get(pk=award.pk)
    if not award.is_withdrawn:
        raise ValidationError("This award is not withdrawn.")
    previous = {"withdrawn_at": award.withdrawn_at.isoformat(), "reason": award.withdrawn_reason}
    award.withdrawn_at = None
    award.withdrawn_reason = ""
    award.withdrawn_by = None
    award.save(update_fields=["withdrawn_at", "withdrawn_reason", "withdrawn_by", "updated_at"])
    AwardChange.objects.create(
        award=award,
        action="reinstated",
        actor=actor if getattr(actor, "pk", None) else None,
        changes=previous,
    )
    audit_record(
        actor=actor, action="award.reinstated", institution=award.institution, target=str(award.uuid)
    )
    return award


@dataclass
class PrivateFilesMoved:
    moved: int = 0
    deleted: int = 0
    renamed: list[tuple[str, str]] = field(default_factory=list)  # (old name, new name)


def _same_content(first, second) -> bool:
    with first as a, second as b:
        while True:
            chunk = a.read(1 << 20)
            if chunk != b.read(1 << 20):
                return False
            if not chunk:
                return True


def private_files_move() -> PrivateFilesMoved:
    """Move the SIS import and evidence files still in the public storage (uploaded before they were
    private) to the private one; delete those of rejected imports instead. Safe to run again.

    A private file already under the same name is kept: the same content ends an interrupted move, other
    content (a newer upload) makes the moved file take a free name, and the row follows it.
    """
    public, outcome = storages["default"], PrivateFilesMoved()
    for model in (ImportRun, Evidence):
        private = model._meta.get_field("file").storage
        for row in model.objects.exclude(file="").iterator():
            name = row.file.name
            if not public.exists(name):
                continue  # moved already (or never there)
            if model is ImportRun and row.status == ImportStatus.REJECTED:
                public.delete(name)
                model.objects.filter(pk=row.pk).update(file="")
                outcome.deleted += 1
                continue
            finished_before = private.exists(name) and _same_content(
                public.open(name, "rb"), private.open(name, "rb")
            )
            if not finished_before:
                with public.open(name, "rb") as source:
                    saved = private.save(name, source)
                if saved != name:
                    model.objects.filter(pk=row.pk).update(file=saved)
                    outcome.renamed.append((name, saved))
            public.delete(name)
            outcome.moved += 1
    return outcome
