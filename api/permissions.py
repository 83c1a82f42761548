"""Who may do what at an institution, for the portal API and its settings page.

Each action names the roles that may take it and the web pages that take it too: the pages check the same
roles (`institution_role_required`), and both ask `institutions.permissions.roles_allow`. A test
(tests/api/test_portal_permissions.py) holds this table against the authorization matrix of those pages,
so the API can never allow what the pages refuse.
"""

from dataclasses import dataclass
from enum import StrEnum

from rest_framework.permissions import BasePermission

from institutions.models import Role
from institutions.permissions import roles_allow

STAFF = (Role.ADMIN, Role.REGISTRAR)
ADMINS = (Role.ADMIN,)


class Action(StrEnum):
    CATALOG_READ = "catalog.read"
    CATALOG_WRITE = "catalog.write"
    LEARNERS_READ = "learners.read"
    LEARNERS_WRITE = "learners.write"
    AWARDS_WRITE = "awards.write"
    IMPORTS = "imports"
    ISSUANCE = "issuance"
    CREDENTIAL_STATUS = "credentials.status"
    KEYS_READ = "keys.read"
    KEYS_ROTATE = "keys.rotate"
    API_ACCESS_MANAGE = "api_access.manage"


@dataclass(frozen=True)
class Rule:
    roles: tuple[str, ...]
    pages: tuple[str, ...]  # the web pages that take the same action, by URL name


RULES: dict[Action, Rule] = {
    Action.CATALOG_READ: Rule(STAFF, ("achievements:catalog", "achievements:detail")),
    Action.CATALOG_WRITE: Rule(
        STAFF,
        (
            "achievements:create",
            "achievements:edit",
            "achievements:association_create",
            "achievements:association_delete",
        ),
    ),
    Action.LEARNERS_READ: Rule(STAFF, ("achievements:learners", "achievements:learner")),
    Action.LEARNERS_WRITE: Rule(STAFF, ("achievements:learner_edit",)),
    Action.AWARDS_WRITE: Rule(STAFF, ("achievements:award_add", "achievements:award_withdraw")),
    Action.IMPORTS: Rule(STAFF, ("achievements:imports", "achievements:import_preview")),
    Action.ISSUANCE: Rule(
        STAFF,
        ("credentials:jobs", "credentials:job", "credentials:award_issue", "credentials:learner_issue"),
    ),
    Action.CREDENTIAL_STATUS: Rule(STAFF, ("credentials:credential_action",)),
    Action.KEYS_READ: Rule(ADMINS, ("institutions:settings",)),
    Action.KEYS_ROTATE: Rule(ADMINS, ("institutions:keys_rotate",)),
    Action.API_ACCESS_MANAGE: Rule(ADMINS, ("institutions:settings",)),
}


def roles_for(action: Action) -> tuple[str, ...]:
    return RULES[action].roles


def role_may(*, role: str, action: Action) -> bool:
    """Whether an API client acting with `role` at its institution may take `action`."""
    return roles_allow(held={role}, allowed=RULES[action].roles)


class PortalApiPermission(BasePermission):
    """The caller's role decides, for the action the view names per method (`permission_actions`).

    Authentication (api.tokens.PortalApiAuthentication) already fixed the institution and role.
    """

    message = "The role of this API token or client does not allow this."

    def has_permission(self, request, view) -> bool:
        principal = request.auth
        if principal is None or not hasattr(principal, "institution"):
            return False
        # HEAD is a GET without the body: the same rule. OPTIONS only describes the endpoint.
        method = "GET" if request.method == "HEAD" else request.method
        if method == "OPTIONS":
            return True
        action = view.permission_actions.get(method)
        return action is not None and role_may(role=principal.role, action=action)
