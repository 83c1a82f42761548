"""`{% load student_experiences %}`: `{% experience_summary user as summary %}` for the wallet's dashboard.

`summary.verified` and `summary.in_progress` (draft, submitted, waiting for a supervisor, changes
requested) count the person's own experiences, in one query.
"""

from django import template
from django.db.models import Count, Q

from experiences.models import OPEN_STATES, State
from experiences.selectors import experiences_of_user

register = template.Library()


@register.simple_tag
def experience_summary(user) -> dict:
    counts = experiences_of_user(user).aggregate(
        verified=Count("pk", filter=Q(state=State.VERIFIED)),
        in_progress=Count("pk", filter=Q(state__in=OPEN_STATES)),
    )
    return {"verified": counts["verified"], "in_progress": counts["in_progress"]}
