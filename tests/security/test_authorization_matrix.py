"""The authorization matrix: every URL pattern of the resolver × every role × GET and POST.

The rules are in tests/security/rules.py; a URL without a rule fails
test_every_url_pattern_of_the_resolver_has_a_rule, naming it.
"""

from collections import Counter

import pytest
from django.conf import settings
from django.test import Client
from django.urls import resolve, reverse

from tests.factories import PASSWORD

from .rules import (
    FRAMEWORK_PATTERNS,
    KWARG_BUILDERS,
    OBJECT_KWARGS,
    PUBLIC,
    REDIRECTS,
    RULES,
    A,
    F,
    N,
    all_patterns,
    checked_patterns,
    outcome_of,
    stale_framework_entries,
    url_kwargs,
)
from .rules_ims import TAKES_PUT as IMS_TAKES_PUT
from .world import ROLES

PATTERNS = {pattern.name: pattern for pattern in checked_patterns()}
# Roles that are not A1 and hold no staff role at A: nothing of A1 or of A is theirs to see or change.
OUTSIDERS = ("anonymous", "student_a2", "advisor_a", "registrar_b", "admin_b")
# Except that advisor_a advises A1: A1's experiences are theirs to review (and its evidence files to open).
ADVISOR_OF_A1_MAY = ("advising:", "experiences:evidence_file")


def request(client, world, role, method, url):
    world.sign_in(client, role)
    return client.get(url) if method == "GET" else client.post(url, {})


def describe(response) -> str:
    where = f" to {response['Location']}" if response.status_code in REDIRECTS else ""
    return f"{response.status_code}{where}"


def a1_personal_data(world) -> list[str]:
    learner = world.a.learners[0]
    return [learner.family_name, learner.student_id]


def test_every_url_pattern_of_the_resolver_has_a_rule():
    names = set(PATTERNS)
    without_rule = sorted(names - set(RULES))
    assert not without_rule, (
        f"URL patterns without a rule in tests/security/rules.py RULES: {without_rule}. "
        "Read each view and add who may GET/POST it."
    )
    assert not sorted(set(RULES) - names), "RULES for URLs that no longer exist: " + ", ".join(
        sorted(set(RULES) - names)
    )
    assert set(RULES) == names


def test_every_url_pattern_has_a_unique_name_so_its_rule_is_unambiguous():
    counts = Counter(pattern.name for pattern in all_patterns() if not pattern.name.startswith("admin:"))
    assert not [name for name in counts if name.startswith("<unnamed")], "unnamed URL patterns"
    assert [name for name, count in counts.items() if count > 1] == []


def test_every_framework_pattern_left_out_exists_and_says_why():
    assert stale_framework_entries() == set()
    assert all(len(reason) > 20 for reason in FRAMEWORK_PATTERNS.values())


def test_every_url_can_be_built_from_the_world_and_resolves_back_to_its_pattern(db, world):
    for name, pattern in PATTERNS.items():
        url = reverse(name, kwargs=url_kwargs(pattern, world))
        match = resolve(url)
        assert match.view_name == name, (name, url, match.view_name)


def test_no_rule_lets_another_learner_or_institution_reach_a1s_objects():
    """The rules themselves: a cell of an outsider on A1's or A's objects is never 'allowed'."""
    leaking = []
    for name, rule in RULES.items():
        kwargs = set(PATTERNS[name].kwargs) if name in PATTERNS else set()
        if not kwargs & (OBJECT_KWARGS | {"slug"}) or rule.get == PUBLIC:
            continue
        for method, cells in (("GET", rule.get), ("POST", rule.post)):
            for role in OUTSIDERS:
                if role == "advisor_a" and name.startswith(ADVISOR_OF_A1_MAY):
                    continue
                if cells[role] == A:
                    leaking.append(f"{method} {name} as {role}")
    assert leaking == []


CELLS = [
    pytest.param(name, method, role, id=f"{name}-{method}-{role}")
    for name in RULES
    for method in ("GET", "POST")
    for role in ROLES
]


@pytest.mark.parametrize(("name", "method", "role"), CELLS)
def test_each_role_gets_exactly_the_outcome_the_rule_gives(client, db, world, name, method, role):
    pattern = PATTERNS.get(name)
    assert pattern is not None, f"RULES has {name}, but no URL pattern is named so"
    expected = (RULES[name].get if method == "GET" else RULES[name].post)[role]
    url = reverse(name, kwargs=url_kwargs(pattern, world))

    response = request(client, world, role, method, url)

    assert outcome_of(response) == expected, (
        f"{method} {url} as {role}: expected {expected}, got {describe(response)}"
    )
    if expected in (F, N):
        body = response.content.decode(errors="replace")
        assert not [value for value in a1_personal_data(world) if value in body], (
            f"{method} {url} as {role} was refused but shows A1's record"
        )


# --- staff of B pointing their own institution's pages at A's objects --------------------------------

CROSS_TENANT = [
    pytest.param(name, method, role, id=f"{name}-{method}-{role}")
    for name, rule in RULES.items()
    if name in PATTERNS
    and "slug" in PATTERNS[name].kwargs
    and set(PATTERNS[name].kwargs) & OBJECT_KWARGS
    and rule.get != PUBLIC
    for method in ("GET", "POST")
    for role in ("registrar_b", "admin_b")
    if (rule.get if method == "GET" else rule.post)[role.replace("_b", "_a")] == A
]


@pytest.mark.parametrize(("name", "method", "role"), CROSS_TENANT)
def test_staff_of_b_cannot_reach_the_objects_of_a_through_the_pages_of_b(
    client, db, world, name, method, role
):
    kwargs = url_kwargs(PATTERNS[name], world) | {"slug": world.b.institution.slug}
    url = reverse(name, kwargs=kwargs)

    response = request(client, world, role, method, url)

    # They pass B's role check (the same role at B as the one the rule allows at A), then find nothing.
    assert outcome_of(response) == N, f"{method} {url} as {role}: got {describe(response)}"
    assert not [value for value in a1_personal_data(world) if value in response.content.decode()]


def test_the_cross_tenant_sweep_covers_every_staff_page_with_an_object():
    names = {param.values[0] for param in CROSS_TENANT}
    assert {
        "achievements:detail",
        "achievements:learner",
        "achievements:award_withdraw",
        "achievements:import_preview",
        "credentials:job",
        "credentials:credential_action",
        "institutions:key_compromise",
    } <= names


# --- what the matrix cannot express on its own --------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_no_portal_role_gets_into_the_django_admin(client, db, world, role):
    """No portal role is is_staff: anonymous visitors end at the login page, members are refused."""
    for url in ("/admin/", "/admin/institutions/signingkey/", "/admin/institutions/user/"):
        world.sign_in(client, role)
        response = client.get(url, follow=True)
        body = response.content.decode()
        if role == "anonymous":
            assert (response.status_code, response.request["PATH_INFO"]) == (200, reverse("account_login"))
        else:
            assert response.status_code == 403, (url, role, response.redirect_chain)
        assert "Site administration" not in body and "Select signing key" not in body


VERIFY_BY_LINK = {
    "anonymous": 404,
    "student_a1": 200,
    "student_a2": 404,
    "advisor_a": 404,
    "registrar_a": 200,
    "admin_a": 200,
    "registrar_b": 404,
    "admin_b": 404,
}


@pytest.mark.parametrize("role", ROLES)
def test_the_verify_page_checks_a_credential_link_only_for_who_may_see_the_credential(
    client, db, world, role
):
    credential = world.a.credentials[0]
    link = settings.PORTAL_BASE_URL + reverse("credentials:detail", kwargs={"credential_id": credential.id})

    response = request(client, world, role, "GET", reverse("verify:page") + "?credential=" + link)

    assert response.status_code == VERIFY_BY_LINK[role]
    body = response.content.decode()
    if VERIFY_BY_LINK[role] == 200:
        assert "Introduction to Programming" in body
    else:
        assert "Introduction to Programming" not in body
        assert world.a.learners[0].family_name not in body


def test_a_share_token_of_one_learner_opens_nothing_else(client, db, world):
    """The share CLR of A1's link cannot be fetched with another learner's token, nor with a made-up one."""
    clr_id = world.a.share_clr.id
    for token in (world.b.share_token, world.a.share_token[:-2] + "xx"):
        url = reverse("wallet:share_clr", kwargs={"token": token, "credential_id": clr_id})
        assert client.get(url).status_code == 404, token
    url = reverse("wallet:share_clr", kwargs={"token": world.a.share_token, "credential_id": world.a.clr.id})
    assert client.get(url).status_code == 404, "A1's full CLR is not in the share"


def test_the_kwarg_builders_cover_every_keyword_of_every_url():
    needed = {kwarg for pattern in PATTERNS.values() for kwarg in pattern.kwargs}
    assert needed <= set(KWARG_BUILDERS)


NEGOTIATED = ("institutions:profile", "credentials:detail")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", NEGOTIATED)
def test_json_ld_answers_follow_the_same_rules_as_the_pages(client, db, world, name, role):
    url = reverse(name, kwargs=url_kwargs(PATTERNS[name], world))
    world.sign_in(client, role)

    response = client.get(url, HTTP_ACCEPT="application/ld+json")

    assert outcome_of(response) == RULES[name].get[role], (
        f"GET {url} as JSON-LD as {role}: {describe(response)}"
    )
    if outcome_of(response) == A:
        assert response["Content-Type"] == "application/ld+json"
        assert response.json()["id"]


def _first_allowed_role(rule) -> str:
    for role in ("registrar_a", "admin_a", "student_a1", "anonymous"):
        if rule.get[role] == A or rule.post[role] == A:
            return role
    return "anonymous"


PORTAL_VIEWS = sorted(
    name for name in RULES if not PATTERNS[name].view.startswith("allauth.") and name not in IMS_TAKES_PUT
)
ALLAUTH_VIEWS = sorted(name for name in RULES if PATTERNS[name].view.startswith("allauth."))


@pytest.mark.parametrize("name", PORTAL_VIEWS)
def test_no_portal_url_accepts_put_patch_or_delete(client, db, world, name):
    url = reverse(name, kwargs=url_kwargs(PATTERNS[name], world))
    world.sign_in(client, _first_allowed_role(RULES[name]))

    answers = {method: getattr(client, method)(url).status_code for method in ("put", "patch", "delete")}

    assert answers == {"put": 405, "patch": 405, "delete": 405}


@pytest.mark.parametrize("name", ALLAUTH_VIEWS)
def test_allauth_forms_take_put_as_a_post_so_csrf_refuses_it_too(db, world, name):
    """Django's form views answer PUT as POST; the CSRF check covers every method but GET and HEAD."""
    client = Client(enforce_csrf_checks=True)
    world.sign_in(client, "student_a1")

    response = client.put(reverse(name, kwargs=url_kwargs(PATTERNS[name], world)))

    assert response.status_code in (403, 405), response.status_code
    if response.status_code == 403:
        assert "CSRF verification failed" in response.content.decode()


def test_no_login_sends_the_person_on_to_another_site(client, db, world):
    user = world.a.students[0]
    response = client.post(
        reverse("account_login") + "?next=https://evil.example/phish",
        {"login": user.email, "password": PASSWORD},
    )
    assert response.status_code == 302
    assert not response["Location"].startswith(("https://evil", "//"))

    client.logout()
    response = client.get(reverse("admin:login") + "?next=https://evil.example/phish")
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]
