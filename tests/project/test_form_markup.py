"""Form fields point assistive technology at their help and errors: every id an `aria-describedby` names
is on the page. Django's widgets name `<id>_helptext` and `<id>_error`; a template that renders the help
or the errors under another id (or none) leaves a screen reader's description empty."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests.achievements.test_catalog_pages import achievement_post, catalog_url

pytestmark = pytest.mark.django_db


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.described: list[tuple[str, str]] = []  # (element's name or id, id it names)
        self.labels_with_help: list[str] = []
        self._label_depth = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        for named in (attrs.get("aria-describedby") or "").split():
            self.described.append((attrs.get("name") or attrs.get("id") or tag, named))
        if tag == "label":
            self._label_depth += 1
        elif self._label_depth and (attrs.get("id") or "").endswith(("_helptext", "_error")):
            self.labels_with_help.append(attrs["id"])

    def handle_endtag(self, tag):
        if tag == "label" and self._label_depth:
            self._label_depth -= 1


def check(html: str) -> _Ids:
    parsed = _Ids()
    parsed.feed(html)
    missing = [(field, named) for field, named in parsed.described if named not in parsed.ids]
    assert not missing, f"aria-describedby names ids that are not on the page: {missing}"
    # Inside the <label>, the help and errors would also be read as the field's name.
    assert not parsed.labels_with_help, f"help or errors inside a <label>: {parsed.labels_with_help}"
    return parsed


def test_the_catalog_form_with_errors_describes_each_field_by_its_help_and_errors(
    login, registrar_user, institution
):
    client = login(registrar_user)
    response = client.post(catalog_url(institution, "new"), achievement_post(credits_available="lots"))

    assert response.status_code == 400
    parsed = check(response.content.decode())
    assert ("credits_available", "id_credits_available_error") in parsed.described
    assert any(named.endswith("_helptext") for _field, named in parsed.described)


def test_the_api_access_form_with_errors_describes_its_fields(login, admin_user, institution):
    client = login(admin_user)
    response = client.post(
        reverse("portal_api:token_create", kwargs={"slug": institution.slug}), {"name": "", "role": "advisor"}
    )

    assert response.status_code == 400
    parsed = check(response.content.decode())
    assert any(re.fullmatch(r"id_\w+_error", named) for _field, named in parsed.described)
