"""The portal API's role rules are the web pages' rules: one table (api/permissions.py), held against the
authorization matrix of the pages that take the same actions (tests/security/rules.py)."""

import pytest

from api.permissions import RULES as API_RULES
from api.permissions import Action, role_may
from api.tokens import API_ROLES
from institutions.models import Role
from tests.security.rules import RULES as PAGE_RULES
from tests.security.rules import A

# The matrix's people who hold exactly one role at institution A.
COLUMNS = {
    "admin_a": Role.ADMIN,
    "registrar_a": Role.REGISTRAR,
    "advisor_a": Role.ADVISOR,
    "student_a1": Role.STUDENT,
}


def roles_the_page_allows(name: str) -> set[str]:
    rule = PAGE_RULES[name]
    return {role for column, role in COLUMNS.items() if A in (rule.get[column], rule.post[column])}


@pytest.mark.parametrize("action", list(Action))
def test_each_api_action_is_allowed_to_exactly_the_roles_its_pages_allow(action):
    rule = API_RULES[action]
    assert rule.pages, f"{action} names no page taking the same action"
    for page in rule.pages:
        assert roles_the_page_allows(page) == set(rule.roles), page


@pytest.mark.parametrize("action", list(Action))
def test_role_may_answers_from_the_table(action):
    for role in Role.values:
        assert role_may(role=role, action=action) == (role in API_RULES[action].roles)


def test_signing_keys_and_api_access_are_for_administrators_only():
    for action in (Action.KEYS_READ, Action.KEYS_ROTATE, Action.API_ACCESS_MANAGE):
        assert not role_may(role=Role.REGISTRAR, action=action)
        assert role_may(role=Role.ADMIN, action=action)


def test_tokens_and_clients_take_only_roles_some_action_allows():
    allowed = {role for rule in API_RULES.values() for role in rule.roles}
    assert set(API_ROLES) == allowed
