"""The bulk issuance page's achievement picker: checkboxes grouped by type, a server-side search that
keeps what was chosen, and the same POST contract (`achievement` = achievement ids) as before."""

import re

import pytest

from credentials.models import IssuanceJob, IssuedCredential
from tests.factories import make_achievement

pytestmark = pytest.mark.django_db(transaction=True)


def _page(client, institution, query=""):
    response = client.get(f"/institutions/{institution.slug}/issuance/{query}")
    assert response.status_code == 200
    return response.content.decode()


def _groups(page):
    """{group label: [(achievement id, checked)]} as the page shows them."""
    found = {}
    for summary, body in re.findall(
        r"<details[^>]*>\s*<summary>([^<]+)<small>.*?</summary>(.*?)</details>", page, re.S
    ):
        found[summary.strip()] = [
            (int(value), bool(checked))
            for value, checked in re.findall(r'name="achievement" value="(\d+)"( checked)?', body)
        ]
    return found


def test_the_achievements_are_checkboxes_grouped_by_type_in_a_fieldset_without_a_multiple_select(
    client, login, registrar_user, institution, catalog
):
    login(registrar_user)
    page = _page(client, institution)

    assert '<select name="achievement"' not in page and "multiple" not in page
    assert "<legend>Only these achievements (optional)</legend>" in page
    courses = [course.pk for course in catalog["courses"]]
    assert _groups(page) == {
        "Course": [(pk, False) for pk in courses],
        "Degree": [(catalog["program"].pk, False)],
    }
    assert '<details class="picker-group" open>' not in page  # nothing chosen, no search: all folded
    for course in catalog["courses"]:
        assert re.search(
            rf'<label><input type="checkbox" name="achievement" value="{course.pk}"> {course.human_code} — ',
            page,
        )
    assert 'href="/static/css/picker.css"' in page
    assert 'label for="picker-q"' in page and 'id="picker-q" name="q"' in page


def test_a_search_narrows_the_list_on_the_server_and_keeps_the_chosen_ones_checked(
    client, login, registrar_user, institution, catalog, awards
):
    program, courses = catalog["program"], catalog["courses"]
    login(registrar_user)

    page = _page(client, institution, f"?q=computing+2&achievement={program.pk}&term=Fall+2021")

    assert _groups(page) == {"Course": [(courses[1].pk, False)], "Degree": [(program.pk, True)]}
    assert page.count('<details class="picker-group" open>') == 2
    assert "1 of 4 achievements match “computing 2”; the ones you chose stay listed, checked." in page
    assert "<option selected>Fall 2021</option>" in page


def test_a_search_matches_every_word_in_the_code_or_the_name(
    client, login, registrar_user, institution, catalog
):
    login(registrar_user)
    assert _groups(_page(client, institution, "?q=CS+103")) == {"Course": [(catalog["courses"][2].pk, False)]}
    assert _groups(_page(client, institution, "?q=bsc+science")) == {
        "Degree": [(catalog["program"].pk, False)]
    }
    assert "No achievement matches “nothing like this”" in _page(client, institution, "?q=nothing+like+this")


def test_the_search_button_shows_the_narrowed_list_with_the_choices_so_far_and_issues_nothing(
    client, login, registrar_user, institution, catalog, awards
):
    login(registrar_user)
    chosen = catalog["courses"][0]

    response = client.post(
        f"/institutions/{institution.slug}/issuance/",
        {
            "search": "1",
            "q": "  Computing   3 ",
            "term": "Fall 2021",
            "achievement": [str(chosen.pk), "junk"],
        },
    )

    assert response.status_code == 302
    assert response["Location"] == (
        f"/institutions/{institution.slug}/issuance/?q=Computing+3&term=Fall+2021&achievement={chosen.pk}"
    )
    assert "csrf" not in response["Location"]
    assert not IssuanceJob.objects.exists()
    assert not IssuedCredential.objects.exists()
    page = _page(client, institution, response["Location"].split("/issuance/", 1)[1])
    assert _groups(page) == {"Course": [(chosen.pk, True), (catalog["courses"][2].pk, False)]}


def test_another_institutions_achievements_are_never_shown_even_when_named_in_the_address(
    client, login, registrar_user, institution, other_institution, catalog
):
    foreign = make_achievement(other_institution, "CS 999", name="Computing Elsewhere")
    login(registrar_user)
    page = _page(client, institution, f"?q=computing&achievement={foreign.pk}")
    assert f'value="{foreign.pk}"' not in page
    assert "Computing Elsewhere" not in page


def test_the_checked_boxes_post_as_before_and_scope_the_job(
    client, login, registrar_user, institution, catalog, awards
):
    login(registrar_user)
    chosen = catalog["courses"][1]
    response = client.post(
        f"/institutions/{institution.slug}/issuance/",
        {"achievement": [str(chosen.pk)], "q": "ignored", "issue": "1"},
    )
    job = IssuanceJob.objects.get()
    assert response["Location"] == f"/institutions/{institution.slug}/issuance/{job.id}/"
    assert job.selection["achievement_ids"] == [chosen.pk]
