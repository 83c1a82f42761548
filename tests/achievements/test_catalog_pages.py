"""The registrar's catalog pages, through HTTP."""

import pytest

from achievements.models import Achievement, AchievementVersion
from institutions.models import AuditEntry, Role
from tests.factories import MembershipFactory, make_achievement

pytestmark = pytest.mark.django_db


def catalog_url(institution, suffix=""):
    return f"/institutions/{institution.slug}/catalog/{suffix}"


def formset_management(prefix, total=1, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def achievement_post(**overrides):
    data = {
        "human_code": "CS 201",
        "achievement_type": "Course",
        "name": "Algorithms",
        "description": "Design and analysis of algorithms.",
        "criteria_narrative": "Pass with a D or better.",
        "credits_available": "4",
        "field_of_study": "Computer Science",
        "in_language": "en",
        "tags_text": "algorithms, year-2",
        "identifiers_text": "sisSourcedId: crs-201",
        **formset_management("alignments"),
        "alignments-0-target_name": "Algorithm design",
        "alignments-0-target_url": "https://case.example.org/CFItems/alg-1",
        "alignments-0-target_framework": "Example Computing Framework",
        "alignments-0-target_code": "ALG.1",
        "alignments-0-target_type": "CFItem",
        **formset_management("results"),
        "results-0-name": "Final grade",
        "results-0-result_type": "LetterGrade",
        "results-0-allowed_values": "A, B, C, D, F",
        "results-0-required_value": "D",
    }
    data.update(overrides)
    return data


@pytest.fixture
def registrar(login, registrar_user):
    return login(registrar_user)


def test_a_registrar_adds_an_achievement_with_alignments_and_a_grade_scale(registrar, institution):
    response = registrar.post(catalog_url(institution, "new"), achievement_post())
    achievement = Achievement.objects.get(institution=institution, human_code="CS 201")
    assert response.status_code == 302
    assert response["Location"] == achievement.get_absolute_url()
    version = achievement.current_version
    assert (version.name, version.credits_available, version.tags) == (
        "Algorithms",
        4,
        ["algorithms", "year-2"],
    )
    assert version.other_identifiers == [{"identifier_type": "sisSourcedId", "identifier": "crs-201"}]
    alignment = version.alignments.get()
    assert (alignment.target_code, alignment.target_type) == ("ALG.1", "CFItem")
    scale = version.result_descriptions.get()
    assert (scale.allowed_values, scale.required_value) == (["A", "B", "C", "D", "F"], "D")
    assert AuditEntry.objects.filter(action="achievement.created", target="CS 201").exists()

    page = registrar.get(achievement.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert "CS 201: Algorithms" in html
    assert "Algorithm design" in html and "ALG.1" in html
    assert "Scale: A, B, C, D, F" in html
    assert '<strong id="award-count">0</strong>' in html
    assert "&quot;humanCode&quot;: &quot;CS 201&quot;" in html  # the OB 3.0 Achievement preview


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"criteria_narrative": "", "criteria_url": ""}, "criteria_narrative", "Describe the criteria"),
        ({"credits_available": "-1"}, "credits_available", "Credits cannot be negative."),
        ({"credits_available": "lots"}, "credits_available", "Enter a number."),
        ({"in_language": "english please"}, "in_language", "Use a language tag"),
        ({"identifiers_text": "nonsense"}, "identifiers_text", "Line 1: write type: value"),
        ({"alignments-0-target_url": "not a url"}, "alignments-0-target_url", "Enter a valid URL."),
        ({"alignments-0-target_type": "Skill"}, "alignments-0-target_type", "ext:ONET"),
        ({"results-0-result_type": "Grade"}, "results-0-result_type", "Use an OB 3.0 result type"),
        ({"results-0-required_value": "E"}, "results-0-required_value", "is not one of the allowed values"),
    ],
)
def test_the_form_shows_what_is_wrong_and_saves_nothing(registrar, institution, overrides, field, message):
    response = registrar.post(catalog_url(institution, "new"), achievement_post(**overrides))
    assert response.status_code == 400
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    assert message in html
    assert "The achievement was not saved" in html
    assert not Achievement.objects.filter(institution=institution).exists()


def test_the_human_code_must_be_unique_in_the_catalog(registrar, institution, course):
    response = registrar.post(catalog_url(institution, "new"), achievement_post(human_code="cs 101"))
    assert response.status_code == 400
    assert "The catalog already has an achievement with the code cs 101." in response.content.decode()


def test_the_same_code_may_exist_at_another_institution(registrar, institution, other_institution):
    make_achievement(other_institution, "CS 201")
    assert registrar.post(catalog_url(institution, "new"), achievement_post()).status_code == 302


def edit_post(achievement, **overrides):
    version = achievement.current_version
    description = version.result_descriptions.get()
    data = achievement_post(
        human_code=achievement.human_code,
        name=version.name,
        **{
            **formset_management("alignments", total=0),
            **formset_management("results", total=1, initial=1),
            "results-0-name": description.name,
            "results-0-result_type": description.result_type,
            "results-0-allowed_values": ", ".join(description.allowed_values),
            "results-0-required_value": description.required_value,
        },
    )
    for key in [k for k in data if k.startswith("alignments-0")]:
        del data[key]
    data.update(overrides)
    return data


def test_editing_an_achievement_without_awards_changes_it_in_place(registrar, institution, course):
    version = course.current_version
    response = registrar.post(
        catalog_url(institution, f"{course.pk}/edit"), edit_post(course, name="Programming I")
    )
    assert response.status_code == 302
    course.refresh_from_db()
    assert course.current_version_id == version.pk
    assert course.current_version.name == "Programming I"


def test_editing_an_awarded_achievement_makes_a_new_version_and_old_awards_keep_theirs(
    registrar, institution, course, award
):
    first = course.current_version
    response = registrar.post(
        catalog_url(institution, f"{course.pk}/edit"),
        edit_post(course, name="Programming I (2026)", version="2026"),
    )
    assert response.status_code == 302
    course.refresh_from_db()
    assert course.current_version.number == 2
    assert course.current_version.name == "Programming I (2026)"
    first.refresh_from_db()
    assert first.name == "Introduction to Programming"
    award.refresh_from_db()
    assert award.achievement_version_id == first.pk
    assert award.results.get().result_description.version_id == first.pk
    assert AchievementVersion.objects.filter(achievement=course).count() == 2
    followed = registrar.get(response["Location"])
    assert "Saved as version 2" in followed.content.decode()


def test_a_registrar_may_ask_for_a_new_version_explicitly(registrar, institution, course):
    registrar.post(catalog_url(institution, f"{course.pk}/edit"), edit_post(course, new_version="on"))
    course.refresh_from_db()
    assert course.current_version.number == 2


def test_the_catalog_searches_and_filters(registrar, institution, course):
    make_achievement(institution, "MATH 151", name="Calculus I", field_of_study="Mathematics")
    make_achievement(
        institution, "NCCF-1", name="Software development", achievement_type="Competency", results=[]
    )
    html = registrar.get(catalog_url(institution), {"q": "calculus"}).content.decode()
    assert "MATH 151" in html and "CS 101" not in html
    html = registrar.get(catalog_url(institution), {"type": "Competency"}).content.decode()
    assert "NCCF-1" in html and "MATH 151" not in html
    html = registrar.get(catalog_url(institution), {"field": "Mathematics"}).content.decode()
    assert "MATH 151" in html and "NCCF-1" not in html
    html = registrar.get(catalog_url(institution)).content.decode()
    assert all(code in html for code in ("CS 101", "MATH 151", "NCCF-1"))


def test_the_catalog_counts_active_awards(registrar, institution, course, award):
    html = registrar.get(course.get_absolute_url()).content.decode()
    assert '<strong id="award-count">1</strong>' in html


@pytest.mark.parametrize("role", [Role.STUDENT, Role.ADVISOR])
def test_students_and_advisors_cannot_use_registrar_pages(login, institution, course, role):
    client = login(MembershipFactory(institution=institution, role=role).user)
    for url in (
        catalog_url(institution),
        catalog_url(institution, "new"),
        course.get_absolute_url(),
        catalog_url(institution, f"{course.pk}/edit"),
        f"/institutions/{institution.slug}/learners/",
        f"/institutions/{institution.slug}/imports/",
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(catalog_url(institution, "new"), achievement_post()).status_code == 403
    assert not Achievement.objects.filter(human_code="CS 201").exists()


def test_admins_may_use_the_catalog(login, institution, admin_user, course):
    client = login(admin_user)
    assert client.get(catalog_url(institution)).status_code == 200


def test_an_anonymous_visitor_is_sent_to_log_in(client, institution):
    response = client.get(catalog_url(institution))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_nav_links_registrars_to_their_catalog(registrar, institution):
    html = registrar.get("/").content.decode()
    assert f'href="/institutions/{institution.slug}/catalog/"' in html


def test_the_edit_page_shows_the_current_values(registrar, institution, course):
    html = registrar.get(catalog_url(institution, f"{course.pk}/edit")).content.decode()
    assert 'value="CS 101"' in html
    assert 'value="Introduction to Programming"' in html
    assert 'value="A, A-, B+, B, B-, C+, C, C-, D+, D, F"' in html
    assert "Save as a new version" in html


def test_the_new_achievement_page_is_empty(registrar, institution):
    response = registrar.get(catalog_url(institution, "new"))
    assert response.status_code == 200
    assert 'name="alignments-TOTAL_FORMS"' in response.content.decode()


def test_achievement_types_are_named_as_people_say_them_on_the_staff_pages(registrar, institution):
    make_achievement(institution, "CC-TUTOR", name="Peer Tutor", achievement_type="CoCurricular", results=[])
    make_achievement(institution, "BS-CS", name="BS Computer Science", achievement_type="BachelorDegree")

    catalog = registrar.get(catalog_url(institution)).content.decode()
    new = registrar.get(catalog_url(institution) + "new").content.decode()

    for html in (catalog, new):
        assert ">Co-curricular<" in html and ">Bachelor&#x27;s degree<" in html
        assert "Co Curricular" not in html and "Bachelor Degree" not in html
