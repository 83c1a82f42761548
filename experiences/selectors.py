"""Who may see which experiences, and the advisor's queue.

Staff see an experience only through `experiences_for_staff`: an admin every experience of the
institution, an advisor those of the students assigned to them, anyone else nothing. A student sees
their own (`experiences_of_user`). Pages turn "not among these" into a 404, so nobody learns that an
experience exists that they may not see.
"""

from dataclasses import dataclass

from django.db.models import Count, QuerySet

from institutions.models import Institution, Role

from .models import REVIEW_STATES, Experience, ExperienceEvent, Visibility


def experiences_for_staff(*, institution: Institution, user, roles) -> QuerySet[Experience]:
    experiences = Experience.objects.filter(institution=institution)
    if Role.ADMIN in roles:
        return experiences
    if Role.ADVISOR in roles:
        return experiences.filter(learner__advisor_assignments__advisor=user).exclude(learner__user=user)
    return experiences.none()


def experience_for_staff(*, institution: Institution, user, roles, experience_id) -> Experience:
    """The experience if this member of staff may see it; Experience.DoesNotExist otherwise."""
    return (
        experiences_for_staff(institution=institution, user=user, roles=roles)
        .select_related("learner", "institution", "award", "decided_by")
        .get(uuid=experience_id)
    )


def experiences_of_user(user) -> QuerySet[Experience]:
    """A signed-in student's own experiences, at every institution where they claimed their record."""
    if not getattr(user, "is_authenticated", False):
        return Experience.objects.none()
    return Experience.objects.filter(learner__user=user).select_related("institution", "learner")


def experience_of_user(*, user, experience_id) -> Experience:
    return experiences_of_user(user).get(uuid=experience_id)


def timeline(*, experience: Experience, include_internal: bool) -> list[ExperienceEvent]:
    """The experience's history, oldest first; a student's view has the shared entries only."""
    events = experience.events.select_related("actor")
    if not include_internal:
        events = events.filter(visibility=Visibility.SHARED)
    return list(events)


@dataclass(frozen=True)
class Queue:
    experiences: list[Experience]
    count: int
    counts_by_state: dict[str, int]


def advisor_queue(
    *,
    institution: Institution,
    user,
    roles,
    states=REVIEW_STATES,
    category: str = "",
    learner_query: str = "",
    limit: int = 100,
    offset: int = 0,
) -> Queue:
    """What waits for this advisor (or admin): by state, category and student, oldest submission first.

    A fixed number of queries whatever the number of rows: one for the page, one for the counts.
    """
    from django.db.models import Q

    visible = experiences_for_staff(institution=institution, user=user, roles=roles)
    filtered = visible
    if category:
        filtered = filtered.filter(category=category)
    if learner_query:
        filtered = filtered.filter(
            Q(learner__student_id__iexact=learner_query)
            | Q(learner__family_name__icontains=learner_query)
            | Q(learner__given_name__icontains=learner_query)
        )
    counts = dict(filtered.order_by().values_list("state").annotate(n=Count("pk")))
    chosen = filtered.filter(state__in=states)
    page = list(chosen.select_related("learner").order_by("submitted_at", "pk")[offset : offset + limit])
    return Queue(
        experiences=page,
        count=sum(counts.get(state, 0) for state in states),
        counts_by_state=counts,
    )
