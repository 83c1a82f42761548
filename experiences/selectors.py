"""Who may see which experiences, and the advisor's queue.

Staff see an experience only through `experiences_for_staff`: an admin every experience of the
institution, an advisor those of the students assigned to them, anyone else nothing. A student sees
their own (`experiences_of_user`). Pages turn "not among these" into a 404, so nobody learns that an
experience exists that they may not see.
"""

from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet

from institutions.models import Institution, Role

from .models import REVIEW_STATES, Experience, ExperienceEvent, Visibility


def experiences_for_staff(*, institution: Institution, user, roles) -> QuerySet[Experience]:
    # Nobody reviews their own experience, an admin who is also a student included.
    experiences = Experience.objects.filter(institution=institution).exclude(learner__user=user)
    if Role.ADMIN in roles:
        return experiences
    if Role.ADVISOR in roles:
        return experiences.filter(learner__advisor_assignments__advisor=user)
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
    visible = experiences_for_staff(institution=institution, user=user, roles=roles)
    filtered = visible
    if category:
        filtered = filtered.filter(category=category)
    # Each word must be the student id or part of a name: "Ada Love" finds Ada Lovelace.
    for word in learner_query.split()[:5]:
        filtered = filtered.filter(
            Q(learner__student_id__iexact=word)
            | Q(learner__family_name__icontains=word)
            | Q(learner__given_name__icontains=word)
        )
    counts = dict(filtered.order_by().values_list("state").annotate(n=Count("pk")))
    chosen = filtered.filter(state__in=states)
    # Oldest submission first; never-submitted ones (none in the review states) last.
    page = list(
        chosen.select_related("learner").order_by(F("submitted_at").asc(nulls_last=True), "pk")[
            offset : offset + limit
        ]
    )
    return Queue(
        experiences=page,
        count=sum(counts.get(state, 0) for state in states),
        counts_by_state=counts,
    )
