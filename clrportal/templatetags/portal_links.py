"""`{% load portal_links %}`: `{{ value|safe_url }}` for an `href`, `{{ value|safe_image_url }}` for a `src`.

Both give "" for anything clrportal.links refuses, so a template shows such a value as text:
`{% with href=value|safe_url %}{% if href %}<a href="{{ href }}">…</a>{% else %}…{% endif %}{% endwith %}`.
"""

from django import template

from clrportal.links import image_url, link_url

register = template.Library()


@register.filter
def safe_url(value) -> str:
    return link_url(value)


@register.filter
def safe_image_url(value) -> str:
    return image_url(value)
