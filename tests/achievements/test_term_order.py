"""Terms in the order they happened, wherever they are listed: the learner's record and the issuance form."""

import datetime
import re

import pytest

from achievements.models import Learner, Term
from achievements.services import award_create
from tests.factories import LearnerFactory, make_achievement

pytestmark = pytest.mark.django_db

SAME_DAY = datetime.date(2024, 6, 1)


def record_terms(client) -> list[str]:
    """The term headings of the learner's record at /wallet/, top to bottom."""
    html = client.get("/wallet/").content.decode()
    return re.findall(r"<summary><h3>([^<]+)</h3>", html)


def learner_page_terms(client, institution) -> list[str]:
    """The term headings of the registrar's page of the (one) learner."""
    learner = Learner.objects.get(institution=institution)
    html = client.get(f"/institutions/{institution.slug}/learners/{learner.pk}/").content.decode()
    return re.findall(r'<h2 id="term-\d+">([^<]+?) <small>', html)


def issuance_terms(client, institution) -> list[str]:
    """The term choices of the bulk issuance form."""
    html = client.get(f"/institutions/{institution.slug}/issuance/").content.decode()
    select = re.search(r'<select name="term">(.*?)</select>', html, re.S).group(1)
    return re.findall(r"<option>([^<]+)</option>", select)


@pytest.fixture
def record(institution, student_user):
    """The student's learner record; `add(term, **dates)` gives them a course in that term."""
    learner = LearnerFactory(institution=institution, user=student_user)
    made = []

    def add(term, **dates):
        course = make_achievement(institution, f"C {len(made) + 1:03d}")
        made.append(
            award_create(learner=learner, achievement=course, term=term, awarded_date=SAME_DAY, **dates)
        )

    return add


def test_season_and_year_order_terms_whose_awards_tell_no_dates_apart(
    client, login, institution, student_user, registrar_user, record
):
    # Everything was recorded on one day (a back-filled transcript): the names are all there is.
    for term in ["Fall 2022", "Fall 2023", "Spring 2023", "Summer 2023", "Winter 2023", ""]:
        record(term)
    expected = ["Fall 2022", "Winter 2023", "Spring 2023", "Summer 2023", "Fall 2023"]

    login(student_user)
    assert record_terms(client) == [*expected, "Other"]
    login(registrar_user)
    assert issuance_terms(client, institution) == expected
    assert learner_page_terms(client, institution)[: len(expected)] == expected


def test_a_terms_start_date_comes_before_the_dates_of_its_awards_and_its_name(
    client, login, institution, student_user, registrar_user, record
):
    # The SIS's sessions (as a OneRoster import records them) say when each term began.
    Term.objects.create(institution=institution, name="Block B", start_date=datetime.date(2023, 1, 9))
    Term.objects.create(institution=institution, name="Spring 2024", start_date=datetime.date(2022, 9, 1))
    record("Block A", activity_start_date=datetime.date(2023, 5, 1))
    record("Block B", activity_start_date=datetime.date(2023, 9, 1))
    record("Spring 2024")
    expected = ["Spring 2024", "Block B", "Block A"]

    login(student_user)
    assert record_terms(client) == expected
    login(registrar_user)
    assert issuance_terms(client, institution) == expected
    assert learner_page_terms(client, institution)[: len(expected)] == expected


def test_without_a_term_row_the_earliest_award_of_a_term_places_it(
    client, login, institution, student_user, registrar_user, record
):
    record("Winter intersession", activity_start_date=datetime.date(2024, 1, 3))
    record("Block one", activity_start_date=datetime.date(2023, 10, 2))
    record("Block one", activity_start_date=datetime.date(2023, 9, 4))
    record("Alpha term", activity_start_date=datetime.date(2024, 2, 1))
    expected = ["Block one", "Winter intersession", "Alpha term"]

    login(student_user)
    assert record_terms(client) == expected
    login(registrar_user)
    assert issuance_terms(client, institution) == expected
    assert learner_page_terms(client, institution)[: len(expected)] == expected
