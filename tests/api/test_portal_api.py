"""The portal's REST API through HTTP: each endpoint's happy path and refusals, role rules, and tenancy.

Two institutions, A and B, each with everything the security world gives a campus (catalog, learners,
awards, an SIS import, a bulk job with signed credentials), and each with an admin's and a registrar's
API token and an OAuth client. Built once for the module, rolled back at its end; each test runs in a
savepoint, so what one writes the next does not see.
"""

import json
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from achievements.models import Achievement, Association, Award, ImportRun, ImportStatus, Learner
from credentials.models import IssuanceJob, IssuedCredential
from institutions.models import AuditEntry, SigningKey
from tests.built_once import built_once
from tests.security.world import AWARD_CSV, _campus
from tests.security.world_portal_api import api_access


@pytest.fixture(scope="module")
def media_root(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="module")
def private_media_root(tmp_path_factory):
    return tmp_path_factory.mktemp("private")


@pytest.fixture(autouse=True)
def _media_in_a_temporary_folder(settings, media_root, private_media_root):
    """The module's world keeps its files (the SIS import's, evidence) in one folder for all its tests."""
    settings.MEDIA_ROOT = media_root
    settings.PORTAL_PRIVATE_MEDIA_ROOT = private_media_root


def _two_campuses():
    a, b = _campus("a"), _campus("b")
    return SimpleNamespace(
        a=a,
        b=b,
        api_a=api_access(a.institution, admin=a.admin),
        api_b=api_access(b.institution, admin=b.admin),
    )


@pytest.fixture(scope="module")
def both(django_db_setup, django_db_blocker, media_root, private_media_root):
    with built_once(django_db_blocker, media_root, private_media_root, _two_campuses) as built:
        yield built


@pytest.fixture
def world(both, db):
    return both


def call(client, method, url, token, body=None, *, multipart=False, **extra):
    """A request with the token; a POST's body is JSON unless `multipart` (or a content_type) says."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if method == "GET":
        return client.get(url, headers=headers, **extra)
    if multipart:
        return client.post(url, body, headers=headers, **extra)
    if "content_type" not in extra:
        body = json.dumps(body) if body is not None else ""
        extra["content_type"] = "application/json"
    return client.post(url, body, headers=headers, **extra)


def registrar(world, side="a"):
    return getattr(world, f"api_{side}")["registrar_secret"]


def admin(world, side="a"):
    return getattr(world, f"api_{side}")["admin_secret"]


def url(name, **kwargs):
    return reverse(f"portal_api:{name}", kwargs=kwargs)


def assert_error(response, status: int) -> dict:
    assert response.status_code == status, response.content[:1000]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"message", "extra"}, body
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["extra"], dict)
    return body


NEW_ACHIEVEMENT = {
    "human_code": "DATA 210",
    "achievement_type": "Course",
    "name": "Data Analysis",
    "description": "Statistics with real data sets.",
    "criteria_narrative": "Pass with a C or better.",
    "credits_available": "3.00",
    "tags": ["statistics", "first-year"],
    "other_identifiers": [{"identifier_type": "sisSourcedId", "identifier": "crs-210"}],
    "alignments": [
        {
            "target_name": "Data literacy",
            "target_url": "https://example.org/frameworks/data-literacy",
            "target_type": "CFItem",
            "target_code": "DL-1",
        }
    ],
    "result_descriptions": [
        {
            "name": "Final grade",
            "result_type": "LetterGrade",
            "allowed_values": ["A", "B", "C", "D", "F"],
            "required_value": "C",
        }
    ],
}


# --- the catalog --------------------------------------------------------------------------------------


def test_the_catalog_lists_the_institutions_achievements_paginated_and_filtered(client, world):
    response = call(client, "GET", url("achievements") + "?limit=2", registrar(world))

    assert response.status_code == 200
    body = response.json()
    catalog = Achievement.objects.filter(institution=world.a.institution, personal=False, retired=False)
    assert body["count"] == catalog.count() and len(body["results"]) == 2 and body["next"]
    assert {item["human_code"] for item in body["results"]} <= set(
        catalog.values_list("human_code", flat=True)
    )
    found = call(client, "GET", url("achievements") + "?q=Data+Struct", registrar(world)).json()
    assert [item["human_code"] for item in found["results"]] == ["CS 102"]


def test_an_achievement_comes_with_its_version_result_descriptions_and_associations(client, world):
    response = call(client, "GET", url("achievement", achievement_id=world.a.course.pk), registrar(world))

    assert response.status_code == 200
    body = response.json()
    assert body["human_code"] == "CS 101"
    assert body["current_version"]["name"] == "Introduction to Programming"
    assert body["current_version"]["result_descriptions"][0]["result_type"] == "LetterGrade"
    [association] = body["associations"]
    assert (association["association_type"], association["target_code"]) == ("isPartOf", "BS-CS")


def test_a_registrar_token_adds_an_achievement_with_alignments_and_a_grade_scale(client, world):
    response = call(client, "POST", url("achievements"), registrar(world), NEW_ACHIEVEMENT)

    assert response.status_code == 201, response.content
    body = response.json()
    version = body["current_version"]
    assert (body["human_code"], version["name"], version["credits_available"]) == (
        "DATA 210", "Data Analysis", "3.00",
    )  # fmt: skip
    assert version["alignments"][0]["target_code"] == "DL-1"
    assert version["result_descriptions"][0]["allowed_values"] == ["A", "B", "C", "D", "F"]
    assert version["tags"] == ["statistics", "first-year"]
    assert version["other_identifiers"] == [{"identifier_type": "sisSourcedId", "identifier": "crs-210"}]
    entry = AuditEntry.objects.get(action="achievement.created", target="DATA 210")
    assert entry.actor == world.a.admin, "the admin who made the token answers for what it does"


def test_the_catalog_refuses_what_the_catalog_form_refuses_with_the_fields_said(client, world):
    duplicate = {**NEW_ACHIEVEMENT, "human_code": "cs 101"}
    body = assert_error(call(client, "POST", url("achievements"), registrar(world), duplicate), 400)
    assert "already has an achievement with the code" in body["extra"]["fields"]["human_code"][0]

    no_criteria = {**NEW_ACHIEVEMENT, "criteria_narrative": ""}
    body = assert_error(call(client, "POST", url("achievements"), registrar(world), no_criteria), 400)
    assert "criteria_narrative" in body["extra"]["fields"]

    bad_scale = {
        **NEW_ACHIEVEMENT,
        "result_descriptions": [{"name": "Grade", "allowed_values": ["A", "B"], "required_value": "Z"}],
    }
    body = assert_error(call(client, "POST", url("achievements"), registrar(world), bad_scale), 400)
    assert "not one of the allowed values" in json.dumps(body["extra"])
    assert not Achievement.objects.filter(human_code="DATA 210").exists()


def test_editing_an_awarded_achievement_makes_a_new_version_as_the_edit_page_does(client, world):
    edit = {**NEW_ACHIEVEMENT, "human_code": "CS 101", "name": "Programming I"}

    response = call(
        client, "POST", url("achievement", achievement_id=world.a.course.pk), registrar(world), edit
    )

    assert response.status_code == 200, response.content
    version = response.json()["current_version"]
    assert (version["name"], version["number"]) == ("Programming I", 2)
    assert Award.objects.get(pk=world.a.awards[0].pk).achievement_version.number == 1


def test_associations_are_added_and_removed_and_loops_refused(client, world):
    second = Achievement.objects.get(institution=world.a.institution, human_code="CS 102")
    added = call(
        client, "POST", url("associations", achievement_id=second.pk), registrar(world),
        {"association_type": "isPartOf", "target": world.a.program.pk},
    )  # fmt: skip
    assert added.status_code == 201, added.content
    association_id = added.json()["id"]

    loop = call(
        client, "POST", url("associations", achievement_id=world.a.program.pk), registrar(world),
        {"association_type": "isPartOf", "target": world.a.course.pk},
    )  # fmt: skip
    assert "would make a loop" in assert_error(loop, 400)["message"]

    removed = call(
        client, "POST", url("association_delete", achievement_id=second.pk, association_id=association_id),
        registrar(world),
    )  # fmt: skip
    assert removed.status_code == 204
    assert not Association.objects.filter(pk=association_id).exists()


# --- learners and awards -----------------------------------------------------------------------------


def test_learners_are_listed_searched_read_and_added(client, world):
    listed = call(client, "GET", url("learners") + "?q=A100001", registrar(world)).json()
    assert [item["student_id"] for item in listed["results"]] == ["A100001"]
    one = call(client, "GET", url("learner", learner_id=world.a.learners[0].pk), registrar(world)).json()
    assert (one["family_name"], one["claimed"]) == ("FamilyA1secret", False)

    added = call(
        client, "POST", url("learners"), registrar(world),
        {"student_id": "A-NEW-7", "given_name": "Noor", "family_name": "Haddad", "email": "noor@example.edu"},
    )  # fmt: skip
    assert added.status_code == 201, added.content
    assert Learner.objects.get(institution=world.a.institution, student_id="A-NEW-7").given_name == "Noor"

    again = call(
        client, "POST", url("learners"), registrar(world),
        {"student_id": "A-NEW-7", "given_name": "Other", "family_name": "Person"},
    )  # fmt: skip
    assert_error(again, 400)
    bad_email = call(
        client, "POST", url("learners"), registrar(world),
        {"student_id": "A-NEW-8", "given_name": "N", "family_name": "H", "email": "not an address"},
    )  # fmt: skip
    assert "email" in assert_error(bad_email, 400)["extra"]["fields"]


def test_an_award_is_recorded_listed_and_withdrawn_with_its_credential_revoked(client, world):
    learner = world.a.learners[1]
    second = Achievement.objects.get(institution=world.a.institution, human_code="CS 102")
    made = call(
        client, "POST", url("learner_awards", learner_id=learner.pk), registrar(world),
        {"achievement": second.pk, "term": "Spring 2026", "result": "B", "awarded_date": "2026-05-20",
         "credits_earned": "4"},
    )  # fmt: skip
    assert made.status_code == 201, made.content
    award = made.json()
    assert (award["achievement_code"], award["results"][0]["value"], award["withdrawn"]) == (
        "CS 102",
        "B",
        False,
    )

    listed = call(client, "GET", url("awards") + f"?learner={learner.pk}&term=Spring+2026", registrar(world))
    assert [item["id"] for item in listed.json()["results"]] == [award["id"]]

    issued = world.a.awards[1]  # learner 2's CS 101 award, issued by the bulk job
    assert_error(call(client, "POST", url("award_withdraw", award_id=issued.pk), registrar(world), {}), 400)
    withdrawn = call(
        client,
        "POST",
        url("award_withdraw", award_id=issued.pk),
        registrar(world),
        {"reason": "Recorded twice"},
    )
    assert withdrawn.status_code == 200
    assert withdrawn.json()["withdrawn"] is True
    assert IssuedCredential.objects.get(pk=world.a.credentials[1].pk).is_revoked


def test_an_award_the_award_form_refuses_is_a_400_naming_the_field(client, world):
    response = call(
        client, "POST", url("learner_awards", learner_id=world.a.learners[0].pk), registrar(world),
        {"achievement": world.a.course.pk, "result": "Z", "awarded_date": "2026-01-10", "term": "Winter 2026"},
    )  # fmt: skip
    assert "result" in assert_error(response, 400)["extra"]["fields"]
    other_catalog = call(
        client, "POST", url("learner_awards", learner_id=world.a.learners[0].pk), registrar(world),
        {"achievement": world.b.course.pk, "awarded_date": "2026-01-10"},
    )  # fmt: skip
    assert "achievement" in assert_error(other_catalog, 400)["extra"]["fields"]


# --- SIS imports ---------------------------------------------------------------------------------------


def test_an_sis_file_is_uploaded_previewed_with_its_problems_and_committed(client, world):
    upload = SimpleUploadedFile("awards.csv", AWARD_CSV.encode(), content_type="text/csv")
    response = call(client, "POST", url("imports"), registrar(world), {"file": upload}, multipart=True)

    assert response.status_code == 202, response.content
    run = response.json()
    assert (run["status"], run["rows"], run["problem_count"]) == ("previewed", 1, 0)
    assert run["preview_rows"], "the preview says what the file would change"

    committed = call(client, "POST", url("import_commit", run_id=run["id"]), registrar(world), {})
    assert committed.status_code == 202
    assert (
        call(client, "GET", url("import", run_id=run["id"]), registrar(world)).json()["status"] == "imported"
    )
    assert Learner.objects.filter(institution=world.a.institution, student_id="X9001").exists()
    again = call(client, "POST", url("import_commit", run_id=run["id"]), registrar(world), {})
    assert "not waiting to be committed" in assert_error(again, 409)["message"]


def test_a_file_with_problems_is_previewed_with_each_rows_problem_and_not_imported(client, world):
    bad = AWARD_CSV.replace("CS 101", "NOPE 999")
    upload = SimpleUploadedFile("bad.csv", bad.encode(), content_type="text/csv")

    run = call(client, "POST", url("imports"), registrar(world), {"file": upload}, multipart=True).json()

    assert run["problem_count"] == 1
    [problem] = run["problems"]
    assert problem["line"] == 2 and "NOPE 999" in problem["message"]
    listed = call(client, "GET", url("imports"), registrar(world)).json()
    assert run["id"] in [item["id"] for item in listed["results"]]


def test_an_upload_without_a_file_or_as_json_is_refused(client, world):
    assert (
        "file"
        in assert_error(
            call(client, "POST", url("imports"), registrar(world), {"x": "y"}, multipart=True), 400
        )["extra"]["fields"]
    )
    assert_error(
        call(
            client, "POST", url("imports"), registrar(world), {"file": "a,b"}, content_type="application/json"
        ),
        415,
    )


# --- issuing -------------------------------------------------------------------------------------------


def test_an_award_is_issued_and_a_learners_clr_signed(client, world, django_capture_on_commit_callbacks):
    unissued = world.a.awards[2]
    with django_capture_on_commit_callbacks(execute=True):
        response = call(client, "POST", url("award_issue", award_id=unissued.pk), registrar(world))

    assert response.status_code == 202, response.content
    credential = response.json()
    assert (credential["kind"], credential["state"], credential["award"]) == (
        "AchievementCredential", "queued", unissued.pk,
    )  # fmt: skip
    detail = call(client, "GET", url("credential", credential_id=credential["id"]), registrar(world)).json()
    assert detail["state"] == "signed" and detail["document"]["proof"], "signed by the worker since"
    verified = client.post(
        detail["verify_url"], json.dumps(detail["document"]), content_type="application/json"
    )
    assert verified.json()["verdict"] == "verified", "the public verify API the credential links to"

    with django_capture_on_commit_callbacks(execute=True):
        clr = call(client, "POST", url("learner_clr", learner_id=world.a.learners[0].pk), registrar(world))
    assert clr.status_code == 202
    assert clr.json()["kind"] == "ClrCredential"
    mine = call(
        client, "GET", url("learner_credentials", learner_id=world.a.learners[0].pk), registrar(world)
    )
    assert clr.json()["id"] in [item["id"] for item in mine.json()["results"]]


def test_a_bulk_job_is_started_and_its_progress_read(client, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        started = call(client, "POST", url("jobs"), registrar(world), {"term": "Spring 2026"})

    assert started.status_code == 202, started.content
    job = started.json()
    assert job["progress"]["total"] >= 1 and set(job["progress"]) >= {"signed", "failed", "queued", "percent"}
    read = call(client, "GET", url("job", job_id=job["id"]), registrar(world)).json()
    assert read["progress"]["signed"] == read["progress"]["total"]
    assert job["id"] in [
        item["id"] for item in call(client, "GET", url("jobs"), registrar(world)).json()["results"]
    ]

    unknown = call(client, "POST", url("jobs"), registrar(world), {"term": "Summer 1999"})
    assert "no awards in the term" in assert_error(unknown, 400)["message"]
    foreign = call(client, "POST", url("jobs"), registrar(world), {"achievements": [world.b.course.pk]})
    assert "None of the chosen achievements" in assert_error(foreign, 400)["message"]


def test_a_credential_is_suspended_unsuspended_and_revoked(client, world):
    credential = world.a.credentials[0]
    suspended = call(
        client, "POST", url("credential_suspend", credential_id=credential.id), registrar(world),
        {"reason": "Under review"},
    )  # fmt: skip
    assert suspended.json()["suspended"] is True
    lifted = call(client, "POST", url("credential_unsuspend", credential_id=credential.id), registrar(world))
    assert lifted.json()["suspended"] is False
    assert_error(
        call(client, "POST", url("credential_revoke", credential_id=credential.id), registrar(world), {}), 400
    )
    revoked = call(
        client, "POST", url("credential_revoke", credential_id=credential.id), registrar(world),
        {"reason": "Issued in error"},
    )  # fmt: skip
    assert (revoked.status_code, revoked.json()["revoked"]) == (200, True)
    listed = call(client, "GET", url("credentials") + "?kind=ClrCredential", registrar(world)).json()
    assert {item["kind"] for item in listed["results"]} == {"ClrCredential"}


# --- roles: as the pages --------------------------------------------------------------------------------


def test_an_admin_token_rotates_the_signing_keys_and_a_registrar_token_cannot(client, world):
    before = set(SigningKey.objects.filter(institution=world.a.institution).values_list("key_id", flat=True))

    refused = call(client, "POST", url("keys_rotate"), registrar(world), {"algorithm": "Ed25519"})
    assert_error(refused, 403)
    assert_error(call(client, "GET", url("keys"), registrar(world)), 403)
    head = client.head(url("keys"), headers={"Authorization": f"Bearer {registrar(world)}"})
    assert head.status_code == 403, "HEAD is a GET: the same rule"
    client_token = world.api_a["client_access_token"]  # the OAuth client acts as a registrar
    assert_error(call(client, "POST", url("keys_rotate"), client_token, {}), 403)
    assert (
        set(SigningKey.objects.filter(institution=world.a.institution).values_list("key_id", flat=True))
        == before
    )

    rotated = call(client, "POST", url("keys_rotate"), admin(world), {"algorithm": "Ed25519"})
    assert rotated.status_code == 201, rotated.content
    [key] = rotated.json()
    assert key["algorithm"] == "Ed25519" and key["status"] == "active" and key["key_id"] not in before
    listed = call(client, "GET", url("keys"), admin(world)).json()
    assert key["key_id"] in [item["key_id"] for item in listed]
    assert "private" not in json.dumps(listed).lower()


def test_an_oauth_client_credentials_token_works_as_its_clients_role(client, world):
    response = call(client, "GET", url("learners"), world.api_a["client_access_token"])

    assert response.status_code == 200
    assert world.a.learners[0].student_id in [item["student_id"] for item in response.json()["results"]]


# --- tenancy: nothing of B with A's tokens ---------------------------------------------------------------

# Every endpoint naming an object, pointed at B's; each must answer 404 to A's tokens and change nothing.
B_OBJECTS = [
    ("GET", "achievement", lambda b: {"achievement_id": b.course.pk}, None),
    ("POST", "achievement", lambda b: {"achievement_id": b.course.pk}, {**NEW_ACHIEVEMENT, "human_code": "CS 101"}),
    ("GET", "associations", lambda b: {"achievement_id": b.course.pk}, None),
    ("POST", "associations", lambda b: {"achievement_id": b.course.pk}, {"association_type": "isChildOf", "target": 1}),
    (
        "POST", "association_delete",
        lambda b: {"achievement_id": b.course.pk, "association_id": b.association.pk}, None,
    ),
    ("GET", "learner", lambda b: {"learner_id": b.learners[0].pk}, None),
    ("GET", "learner_awards", lambda b: {"learner_id": b.learners[0].pk}, None),
    (
        "POST", "learner_awards", lambda b: {"learner_id": b.learners[0].pk},
        {"achievement": 1, "awarded_date": "2026-01-01"},
    ),
    ("GET", "learner_credentials", lambda b: {"learner_id": b.learners[0].pk}, None),
    ("POST", "learner_clr", lambda b: {"learner_id": b.learners[0].pk}, None),
    ("GET", "award", lambda b: {"award_id": b.awards[0].pk}, None),
    ("POST", "award_withdraw", lambda b: {"award_id": b.awards[0].pk}, {"reason": "Not yours"}),
    ("POST", "award_issue", lambda b: {"award_id": b.awards[2].pk}, None),
    ("GET", "import", lambda b: {"run_id": b.import_run.pk}, None),
    ("POST", "import_commit", lambda b: {"run_id": b.import_run.pk}, {}),
    ("GET", "job", lambda b: {"job_id": b.job.id}, None),
    ("GET", "credential", lambda b: {"credential_id": b.credentials[0].id}, None),
    ("POST", "credential_revoke", lambda b: {"credential_id": b.credentials[0].id}, {"reason": "Not yours"}),
    ("POST", "credential_suspend", lambda b: {"credential_id": b.credentials[0].id}, {"reason": "Not yours"}),
    ("POST", "credential_unsuspend", lambda b: {"credential_id": b.credentials[0].id}, None),
]  # fmt: skip


def fingerprint() -> tuple:
    return (
        AuditEntry.objects.count(), Achievement.objects.count(), Association.objects.count(), Award.objects.count(),
        Award.objects.filter(withdrawn_at__isnull=False).count(), IssuedCredential.objects.count(),
        IssuedCredential.objects.filter(revoked_at__isnull=False).count(),
        IssuedCredential.objects.filter(suspended_at__isnull=False).count(),
        ImportRun.objects.exclude(status=ImportStatus.PREVIEWED).count(), IssuanceJob.objects.count(),
    )  # fmt: skip


@pytest.mark.parametrize("who", ["registrar_secret", "admin_secret", "client_access_token"])
@pytest.mark.parametrize(
    ("method", "name", "kwargs", "body"), B_OBJECTS, ids=[f"{m} {n}" for m, n, _k, _b in B_OBJECTS]
)
def test_a_token_of_institution_a_reaches_nothing_of_institution_b(
    client, world, who, method, name, kwargs, body
):
    before = fingerprint()

    response = call(client, method, url(name, **kwargs(world.b)), world.api_a[who], body)

    body_text = assert_error(response, 404)
    assert "FamilyB" not in json.dumps(body_text)
    assert fingerprint() == before


def test_the_sweep_covers_every_endpoint_with_an_object_in_its_address():
    from tests.security import rules  # noqa: F401  (rules_portal_api is imported by it)
    from tests.security.rules_portal_api import API_METHODS

    covered = {(method, name) for method, name, _kwargs, _body in B_OBJECTS}
    with_objects = {
        (method, name)
        for name, methods in API_METHODS.items()
        for method in methods.split()
        if "<" in str(_route(name))
    }
    assert with_objects == covered


def _route(name):
    from django.urls import get_resolver

    for pattern in get_resolver().url_patterns:
        for inner in getattr(pattern, "url_patterns", []):
            for leaf in getattr(inner, "url_patterns", []):
                if getattr(leaf, "name", None) == name and getattr(inner, "namespace", None) == "portal_api":
                    return leaf.pattern
    raise AssertionError(name)


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("achievements", "id"), ("learners", "student_id"), ("awards", "id"), ("imports", "id"),
        ("jobs", "id"), ("credentials", "id"),
    ],
)  # fmt: skip
def test_the_lists_of_a_token_of_a_hold_nothing_of_b(client, world, name, field):
    seen = call(client, "GET", url(name) + "?limit=200", registrar(world)).json()
    theirs = call(client, "GET", url(name) + "?limit=200", registrar(world, "b")).json()

    assert seen["count"] and theirs["count"]
    assert not {item[field] for item in seen["results"]} & {item[field] for item in theirs["results"]}
    assert "FamilyB" not in json.dumps(seen)


def test_a_token_of_a_cannot_relate_or_issue_what_belongs_to_b_through_the_body(client, world):
    before = fingerprint()

    association = call(
        client, "POST", url("associations", achievement_id=world.a.course.pk), registrar(world),
        {"association_type": "isChildOf", "target": world.b.program.pk},
    )  # fmt: skip

    assert "No such achievement in this catalog" in assert_error(association, 400)["message"]
    assert fingerprint() == before


# --- errors: one shape -----------------------------------------------------------------------------------


def test_every_refusal_has_the_one_error_shape(client, world, settings):
    assert_error(call(client, "GET", url("learners"), None), 401)
    assert_error(call(client, "GET", url("keys"), registrar(world)), 403)
    head = client.head(url("keys"), headers={"Authorization": f"Bearer {registrar(world)}"})
    assert head.status_code == 403, "HEAD is a GET: the same rule"
    missing = assert_error(call(client, "GET", url("learner", learner_id=999999999), registrar(world)), 404)
    assert missing["message"] == "No such object at this institution."
    assert_error(call(client, "GET", "/api/v1/no/such/endpoint", registrar(world)), 404)
    assert_error(call(client, "GET", url("keys_rotate"), admin(world)), 405)
    assert_error(client.put(url("learners"), headers={"Authorization": f"Bearer {registrar(world)}"}), 405)
    assert_error(
        call(client, "POST", url("learners"), registrar(world), "<xml/>", content_type="application/xml"), 415
    )
    assert_error(
        call(client, "POST", url("learners"), registrar(world), "{not json", content_type="application/json"),
        400,
    )
    huge = {**NEW_ACHIEVEMENT, "description": "x" * (1024 * 1024 + 1)}
    body = assert_error(call(client, "POST", url("achievements"), registrar(world), huge), 413)
    assert "larger than" in body["message"]
    many_files = {
        f"file{i}": SimpleUploadedFile(f"{i}.csv", b"a")
        for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)
    }
    assert (
        "more fields or files"
        in assert_error(
            call(client, "POST", url("imports"), registrar(world), many_files, multipart=True), 400
        )["message"]
    )
    settings.PORTAL_IMPORT_MAX_BYTES = 1024
    upload = SimpleUploadedFile("big.csv", b"x" * 200_000, content_type="text/csv")
    assert_error(
        call(client, "POST", url("imports"), registrar(world), {"file": upload}, multipart=True), 413
    )


def test_a_400_names_each_field_and_its_problem(client, world):
    body = assert_error(
        call(client, "POST", url("learners"), registrar(world), {"given_name": "x" * 101}), 400
    )

    assert set(body["extra"]["fields"]) >= {"student_id", "family_name", "given_name"}
    assert body["message"].startswith(("student_id:", "given_name:", "family_name:"))


def test_bounded_inputs_are_refused_before_any_work(client, world):
    many_tags = {**NEW_ACHIEVEMENT, "tags": [f"t{i}" for i in range(51)]}
    assert (
        "tags"
        in assert_error(call(client, "POST", url("achievements"), registrar(world), many_tags), 400)["extra"][
            "fields"
        ]
    )
    assert_error(call(client, "GET", url("awards") + "?learner=12345678901234567890", registrar(world)), 400)
    too_big = 10**30  # no id is this large, and no database column could hold it
    assert_error(call(client, "POST", url("jobs"), registrar(world), {"achievements": [too_big]}), 400)
    assert_error(
        call(
            client, "POST", url("associations", achievement_id=world.a.course.pk), registrar(world),
            {"association_type": "isPartOf", "target": too_big},
        ),
        400,
    )  # fmt: skip
    assert_error(
        call(
            client, "POST", url("learner_awards", learner_id=world.a.learners[0].pk), registrar(world),
            {"achievement": too_big, "awarded_date": "2026-01-01"},
        ),
        400,
    )  # fmt: skip
    assert_error(call(client, "GET", url("learner", learner_id=too_big), registrar(world)), 404)
    deep = "[" * 100_000 + "]" * 100_000
    nested = call(client, "POST", url("learners"), registrar(world), deep, content_type="application/json")
    assert "nested too deeply" in assert_error(nested, 400)["message"]
    page = call(client, "GET", url("learners") + "?limit=100000", registrar(world)).json()
    assert len(page["results"]) <= 200
