"""The audit history of an institution, for its admins: a filtered page and the same rows as CSV."""

import csv
import datetime
import io
import json

import pytest
from django.utils import timezone

from institutions.models import AuditEntry, Role
from institutions.services import audit_record
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def audit_url(institution):
    return f"/institutions/{institution.slug}/audit/"


def csv_url(institution):
    return f"/institutions/{institution.slug}/audit.csv"


def csv_rows(response):
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.fixture
def history(institution, other_institution):
    """Three entries of the institution by two people (one a week ago) and one of another institution."""
    alice = UserFactory(email="alice.admin@example.edu")
    bob = UserFactory(email="bob.registrar@example.edu")
    old = audit_record(actor=alice, action="member.removed", institution=institution, target="x@example.edu")
    AuditEntry.objects.filter(pk=old.pk).update(at=timezone.now() - datetime.timedelta(days=7))
    audit_record(actor=bob, action="award.created", institution=institution, target="award 1", credits=4)
    audit_record(actor=alice, action="member.role_changed", institution=institution, target="y@example.edu")
    audit_record(actor=alice, action="secret.thing", institution=other_institution, target="theirs")
    return {"alice": alice, "bob": bob}


@pytest.mark.parametrize("role", [Role.REGISTRAR, Role.ADVISOR, Role.STUDENT])
def test_only_admins_may_read_the_audit_history(login, institution, role):
    client = login(MembershipFactory(institution=institution, role=role).user)

    assert client.get(audit_url(institution)).status_code == 403
    assert client.get(csv_url(institution)).status_code == 403


def test_the_audit_page_lists_the_institutions_entries_newest_first(login, admin_user, institution, history):
    response = login(admin_user).get(audit_url(institution))

    assert response.status_code == 200
    body = response.content.decode()
    assert "theirs" not in body and "secret.thing" not in body
    rows = body.split("<tbody>", 1)[1]
    assert rows.index("member.role_changed") < rows.index("award.created") < rows.index("x@example.edu")
    assert "bob.registrar@example.edu" in rows


def test_the_audit_page_shows_the_membership_changes_made_on_the_members_page(
    login, admin_user, registrar_user, institution
):
    client = login(admin_user)
    client.post(f"/institutions/{institution.slug}/members/{registrar_user.pk}/roles", {"roles": ["advisor"]})
    client.post(f"/institutions/{institution.slug}/members/{registrar_user.pk}/remove")

    body = client.get(audit_url(institution)).content.decode()

    assert "member.role_changed" in body and "member.removed" in body
    assert registrar_user.email in body


def test_the_audit_page_filters_by_who_what_and_when(login, admin_user, institution, history):
    client = login(admin_user)

    by_who = client.get(audit_url(institution), {"who": "BOB.reg"}).content.decode()
    by_what = client.get(audit_url(institution), {"action": "member.removed"}).content.decode()
    today = timezone.localdate().isoformat()
    by_when = client.get(audit_url(institution), {"date_from": today, "date_to": today}).content.decode()

    assert "award 1" in by_who and "y@example.edu" not in by_who
    assert "x@example.edu" in by_what and "award 1" not in by_what
    assert "x@example.edu" not in by_when and "award 1" in by_when and "y@example.edu" in by_when


def test_the_action_filter_offers_only_the_actions_that_occur(login, admin_user, institution, history):
    response = login(admin_user).get(audit_url(institution))

    choices = [value for value, _label in response.context["form"].fields["action"].choices]
    assert "member.removed" in choices and "award.created" in choices
    assert "secret.thing" not in choices


@pytest.mark.parametrize(
    "query",
    [
        {"date_from": "yesterday"},
        {"date_to": "2026-02-31"},
        {"action": "no.such.action"},
        {"date_from": "2026-05-02", "date_to": "2026-05-01"},
        {"who": "x" * 300},
    ],
)
def test_bad_filter_input_is_a_form_error_not_a_server_error(login, admin_user, institution, history, query):
    client = login(admin_user)

    page = client.get(audit_url(institution), query)
    export = client.get(csv_url(institution), query)

    assert page.status_code == 400
    assert page.context["form"].errors
    assert export.status_code == 400


def test_the_audit_page_is_paginated_by_fifty(login, admin_user, institution):
    for n in range(55):
        audit_record(actor=admin_user, action="test.filler", institution=institution, target=f"row-{n:02d}")
    client = login(admin_user)

    first = client.get(audit_url(institution), {"action": "test.filler"})
    second = client.get(audit_url(institution), {"action": "test.filler", "page": 2})

    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 5
    assert "action=test.filler" in first.content.decode()  # the next-page link keeps the filter


def test_the_csv_export_has_the_filtered_rows_with_their_data_as_json(
    login, admin_user, institution, history
):
    response = login(admin_user).get(csv_url(institution), {"who": "bob"})

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert [list(row) for row in rows[:1]] == [["at", "actor", "action", "target", "data"]]
    assert [(row["actor"], row["action"], row["target"]) for row in rows] == [
        ("bob.registrar@example.edu", "award.created", "award 1")
    ]
    assert json.loads(rows[0]["data"]) == {"credits": 4}
    assert datetime.datetime.fromisoformat(rows[0]["at"]).tzinfo is not None


def test_the_csv_export_lists_every_entry_of_the_institution_newest_first(
    login, admin_user, institution, history
):
    rows = csv_rows(login(admin_user).get(csv_url(institution)))

    actions = [row["action"] for row in rows if not row["action"].startswith("signing_key.")]
    assert actions == ["member.role_changed", "award.created", "member.removed"]


def test_the_csv_export_defuses_cells_a_spreadsheet_would_run_as_a_formula(login, admin_user, institution):
    audit_record(
        actor=admin_user, action="institution.updated", institution=institution, target="=HYPERLINK(1)"
    )

    rows = csv_rows(login(admin_user).get(csv_url(institution), {"action": "institution.updated"}))

    assert rows[0]["target"] == "'=HYPERLINK(1)"
