"""An issuer is distinct: only a platform operator sets parent organisations; names and slugs are unique."""

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from institutions.models import Institution
from tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db


def settings_post(institution, **fields):
    return {
        "name": institution.name,
        "identifiers-TOTAL_FORMS": "0",
        "identifiers-INITIAL_FORMS": "0",
        **fields,
    }


def test_an_institution_admin_cannot_make_another_tenant_its_parent_from_the_settings_form(
    login, client, institution, admin_user, other_institution
):
    login(admin_user)
    page = client.get(f"/institutions/{institution.slug}/settings/")
    assert b'name="parent"' not in page.content

    response = client.post(
        f"/institutions/{institution.slug}/settings/", settings_post(institution, parent=other_institution.pk)
    )
    assert response.status_code == 302
    institution.refresh_from_db()
    assert institution.parent is None
    document = client.get(f"/institutions/{institution.slug}/", HTTP_ACCEPT="application/ld+json").json()
    assert "parentOrg" not in document


def test_a_platform_operator_sets_the_parent_organisation_with_the_institution_parent_command(
    client, institution, other_institution, capsys
):
    call_command("institution_parent", "--institution", institution.slug, "--parent", other_institution.slug)

    assert other_institution.did in capsys.readouterr().out
    institution.refresh_from_db()
    assert institution.parent == other_institution
    document = client.get(f"/institutions/{institution.slug}/", HTTP_ACCEPT="application/ld+json").json()
    assert document["parentOrg"]["id"] == other_institution.did
    entry = institution.audit_entries.get(action="institution.parent_set")
    assert entry.data == {"parent": other_institution.did, "previous": None}

    call_command("institution_parent", "--institution", institution.slug, "--no-parent")
    institution.refresh_from_db()
    assert institution.parent is None


def test_the_institution_parent_command_refuses_a_parent_that_would_make_a_cycle(
    institution, other_institution
):
    call_command("institution_parent", "--institution", institution.slug, "--parent", other_institution.slug)
    with pytest.raises(CommandError, match="its own ancestor"):
        call_command(
            "institution_parent", "--institution", other_institution.slug, "--parent", institution.slug
        )
    with pytest.raises(CommandError, match="its own ancestor"):
        call_command("institution_parent", "--institution", institution.slug, "--parent", institution.slug)
    with pytest.raises(CommandError, match="No institution with the slug 'nowhere'"):
        call_command("institution_parent", "--institution", institution.slug, "--parent", "nowhere")
    other_institution.refresh_from_db()
    assert other_institution.parent is None


def test_the_public_profile_page_shows_the_issuer_did_and_its_parent_organisations_did(
    client, institution, other_institution
):
    call_command("institution_parent", "--institution", institution.slug, "--parent", other_institution.slug)
    page = client.get(f"/institutions/{institution.slug}/", HTTP_ACCEPT="text/html")
    assert institution.did.encode() in page.content
    assert other_institution.did.encode() in page.content


def test_an_admin_cannot_rename_the_institution_to_a_name_another_one_has_whatever_its_case(
    login, client, institution, admin_user, other_institution
):
    login(admin_user)
    old_name = institution.name
    response = client.post(
        f"/institutions/{institution.slug}/settings/",
        settings_post(institution, name="  " + other_institution.name.upper().replace(" ", "  ") + " "),
    )
    assert response.status_code == 400
    assert "Another institution is already called" in response.content.decode()
    institution.refresh_from_db()
    assert institution.name == old_name


def test_spaces_in_a_new_name_are_tidied_and_a_change_of_case_of_its_own_name_is_accepted(
    login, client, institution, admin_user
):
    login(admin_user)
    response = client.post(
        f"/institutions/{institution.slug}/settings/", settings_post(institution, name="  NEW   name  ")
    )
    assert response.status_code == 302
    institution.refresh_from_db()
    assert institution.name == "NEW name"
    response = client.post(
        f"/institutions/{institution.slug}/settings/", settings_post(institution, name="New Name")
    )
    assert response.status_code == 302
    institution.refresh_from_db()
    assert institution.name == "New Name"


def test_the_database_refuses_two_institutions_whose_names_differ_only_in_case():
    InstitutionFactory(name="Northbridge College")
    with pytest.raises(IntegrityError), transaction.atomic():
        Institution.objects.create(slug="northbridge-2", name="NORTHBRIDGE college")


def test_the_database_refuses_two_institutions_whose_slugs_differ_only_in_case():
    InstitutionFactory(slug="northbridge")
    with pytest.raises(IntegrityError), transaction.atomic():
        Institution.objects.create(slug="Northbridge", name="Another College")


# --- the migration that adds the constraints, on a database made before it


def migrate_to(target):
    MigrationExecutor(connection).migrate(target)
    return MigrationExecutor(connection).loader.project_state(target).apps


@pytest.fixture
def before_unique_names(transactional_db):
    apps = migrate_to([("institutions", "0001_initial")])
    yield apps
    migrate_to(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_the_migration_renames_later_duplicate_names_after_their_slug_and_keeps_the_oldest(
    before_unique_names,
):
    old = before_unique_names.get_model("institutions", "Institution")
    first = old.objects.create(slug="northbridge", name="Northbridge College")
    second = old.objects.create(slug="impostor", name="northbridge COLLEGE")
    third = old.objects.create(slug="unrelated", name="Unrelated")

    migrate_to(MigrationExecutor(connection).loader.graph.leaf_nodes())

    names = dict(Institution.objects.values_list("pk", "name"))
    assert names == {
        first.pk: "Northbridge College",
        second.pk: "northbridge COLLEGE (impostor)",
        third.pk: "Unrelated",
    }
    entry = Institution.objects.get(pk=second.pk).audit_entries.get(action="institution.renamed")
    assert entry.data == {"from": "northbridge COLLEGE", "to": "northbridge COLLEGE (impostor)"}


def test_the_migration_stops_with_a_clear_message_on_slugs_that_differ_only_in_case(before_unique_names):
    old = before_unique_names.get_model("institutions", "Institution")
    old.objects.create(slug="northbridge", name="Northbridge College")
    old.objects.create(slug="NorthBridge", name="Another College")

    with pytest.raises(RuntimeError, match="differ only in case: NorthBridge, northbridge"):
        migrate_to(MigrationExecutor(connection).loader.graph.leaf_nodes())
    old.objects.filter(slug="NorthBridge").delete()  # so the fixture can migrate forward again
