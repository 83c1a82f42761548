import io

import pytest
from django.test import override_settings
from PIL import Image

from institutions.models import InstitutionIdentifier
from vc.schema import validate

pytestmark = pytest.mark.django_db


def png_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (40, 60, 160)).save(buffer, "PNG")
    buffer.seek(0)
    buffer.name = "logo.png"
    return buffer


def test_the_public_profile_is_json_ld_that_validates_against_the_1edtech_profile_schema(client, institution):
    institution.phone = "+1 555 0100"
    institution.street_address = "1 College Green"
    institution.locality = "Northbridge"
    institution.country = "United States"
    institution.save()
    InstitutionIdentifier.objects.create(
        institution=institution, identifier_type="ext:IPEDS", identifier="123456"
    )

    response = client.get(f"/institutions/{institution.slug}/", HTTP_ACCEPT="application/ld+json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    document = response.json()
    assert validate(document, "Profile") == []
    assert document["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert document["id"] == institution.did
    assert document["type"] == ["Profile"]
    assert document["name"] == institution.name
    assert document["address"]["addressLocality"] == "Northbridge"
    assert document["otherIdentifier"] == [
        {"type": "IdentifierEntry", "identifier": "123456", "identifierType": "ext:IPEDS"}
    ]


def test_browsers_get_the_profile_as_a_page(client, institution):
    response = client.get(f"/institutions/{institution.slug}/", HTTP_ACCEPT="text/html,application/xhtml+xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert institution.name.encode() in response.content
    assert institution.did.encode() in response.content


def test_an_admin_edits_the_profile_and_sees_it_published(login, institution, admin_user, client):
    login(admin_user)
    response = client.post(
        f"/institutions/{institution.slug}/settings/",
        {
            "name": "Renamed College",
            "url": "https://renamed.example.edu",
            "email": "office@renamed.example.edu",
            "phone": "+44 20 7946 0000",
            "description": "A college by the sea.",
            "logo": png_bytes(),
            "identifiers-TOTAL_FORMS": "1",
            "identifiers-INITIAL_FORMS": "0",
            "identifiers-0-identifier_type": "ext:OPEID",
            "identifiers-0-identifier": "00123400",
        },
    )
    assert response.status_code == 302
    document = client.get(f"/institutions/{institution.slug}/", HTTP_ACCEPT="application/ld+json").json()
    assert document["name"] == "Renamed College"
    assert document["phone"] == "+44 20 7946 0000"
    assert document["otherIdentifier"][0]["identifierType"] == "ext:OPEID"
    assert document["image"]["id"].endswith(f"/institutions/{institution.slug}/logo")
    assert validate(document, "Profile") == []
    logo = client.get(f"/institutions/{institution.slug}/logo")
    assert logo.status_code == 200
    assert b"".join(logo.streaming_content).startswith(b"\x89PNG")
    assert institution.audit_entries.filter(action="institution.updated").exists()


def test_bad_profile_input_is_refused_with_messages_and_nothing_is_saved(
    login, institution, admin_user, client
):
    login(admin_user)
    old_name = institution.name
    response = client.post(
        f"/institutions/{institution.slug}/settings/",
        {
            "name": "",
            "url": "not a url",
            "email": "not-an-email",
            "phone": "call me maybe",
            "identifiers-TOTAL_FORMS": "1",
            "identifiers-INITIAL_FORMS": "0",
            "identifiers-0-identifier_type": "IPEDS number",
            "identifiers-0-identifier": "1",
        },
    )
    assert response.status_code == 400
    content = response.content.decode()
    assert "This field is required." in content
    assert "Enter a valid URL." in content
    assert "Enter a valid email address." in content
    assert "Enter a phone number such as" in content
    assert "Use an OB 3.0 identifier type" in content
    institution.refresh_from_db()
    assert institution.name == old_name
    assert not institution.identifiers.exists()


def test_a_file_that_is_not_an_image_is_refused_as_logo(login, institution, admin_user, client):
    login(admin_user)
    fake = io.BytesIO(b"<script>alert(1)</script>")
    fake.name = "logo.png"
    response = client.post(
        f"/institutions/{institution.slug}/settings/",
        {
            "name": institution.name,
            "logo": fake,
            "identifiers-TOTAL_FORMS": "0",
            "identifiers-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 400
    assert b"Upload a valid image" in response.content
    institution.refresh_from_db()
    assert not institution.logo


@override_settings(PORTAL_BASE_URL="https://records.example.edu:8443")
def test_the_did_is_derived_from_the_portal_base_url(institution):
    assert institution.did == f"did:web:records.example.edu%3A8443:institutions:{institution.slug}"
