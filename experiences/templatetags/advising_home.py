"""`{% advisor_queue_summary %}`: what waits for the signed-in advisor, for the advisor's home page."""

from django import template

from experiences import selectors
from experiences.models import REVIEW_STATES

register = template.Library()
OLDEST = 5


@register.simple_tag(takes_context=True)
def advisor_queue_summary(context):
    """The queue's counts by state and the oldest few waiting, in the page's role context (two queries)."""
    role = context.get("context")
    request = context.get("request")
    if role is None or request is None or role.institution is None:
        return None
    return selectors.advisor_queue(
        institution=role.institution, user=request.user, roles={role.role}, states=REVIEW_STATES, limit=OLDEST
    )
