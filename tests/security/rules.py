"""Who may do what on every URL of the portal: the rules the authorization matrix and the CSRF sweep check.

Every URL pattern the resolver knows is either in RULES (keyed `namespace:name`) or in FRAMEWORK_PATTERNS
with the reason it is left out. Each rule gives, for GET and for POST, the outcome class expected for
each role of the matrix (ROLES in tests/security/world.py). The objects in the URL are always those of
institution A and its first student (A1): so `student_a2` is "another learner", `advisor_a` a member
without the role, and `registrar_b` / `admin_b` staff of another institution.

Adding a URL: add its rule here (and a builder for any new URL keyword in KWARG_BUILDERS).
"""

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from .world import ROLES


class Outcome(StrEnum):
    # The view ran: 2xx, a redirect that is not to a login page, 400 for an empty form, or 409 for an action
    # the object's state does not allow (the world's experience is submitted: its student cannot edit it).
    ALLOWED = "allowed"
    LOGIN = "login redirect"
    FORBIDDEN = "403"
    NOT_FOUND = "404 (hidden)"
    NOT_ALLOWED = "405"
    # An API that authenticates by token (OAuth 2.0, API tokens), not by the signed-in session.
    UNAUTHENTICATED = "401"


A, L, F, N, M = Outcome.ALLOWED, Outcome.LOGIN, Outcome.FORBIDDEN, Outcome.NOT_FOUND, Outcome.NOT_ALLOWED
U = Outcome.UNAUTHENTICATED


def _cells(default: Outcome, **by_role: Outcome) -> dict[str, Outcome]:
    unknown = set(by_role) - set(ROLES)
    assert not unknown, f"unknown roles {unknown}"
    return {role: by_role.get(role, default) for role in ROLES}


# Outcome profiles: what a kind of page allows.
PUBLIC = _cells(A)
SIGNED_IN = _cells(A, anonymous=L)
STAFF_OF_A = _cells(F, anonymous=L, registrar_a=A, admin_a=A)  # institution_role_required(ADMIN, REGISTRAR)
ADMIN_OF_A = _cells(F, anonymous=L, admin_a=A)  # institution_role_required(ADMIN)
OWNED_BY_A1 = _cells(N, anonymous=L, student_a1=A)  # wallet objects: their owner only, 404 for anyone else
# A credential: its learner and its institution's registrars and admins; hidden (404) from everyone else,
# anonymous visitors included (nothing of a learner is public unless shared).
CREDENTIAL_OF_A1 = _cells(N, student_a1=A, registrar_a=A, admin_a=A)
NO_SUCH_METHOD = _cells(M)
# Advising (experiences/advising_views.py): the institution's admins, and advisors for their assigned
# students (advisor_a advises A1); the student's own experience is never among them.
ADVISING_OF_A1 = _cells(F, anonymous=L, advisor_a=A, admin_a=A)
# A student's own experience: theirs only; an uploaded evidence file also for who reviews the experience.
EXPERIENCE_EVIDENCE_OF_A1 = _cells(N, anonymous=L, student_a1=A, advisor_a=A, admin_a=A)
# allauth's TOTP and recovery-code pages for a signed-in person who has not set up two-factor.
SIGNED_IN_WITHOUT_MFA_NOTHING_TO_SHOW = _cells(N, anonymous=L)
# A page behind login_required that answers GET only: anonymous visitors are sent to log in first.
SIGNED_IN_GET_ONLY_POST = _cells(M, anonymous=L)
# The email confirmation key is the authority: whoever holds it confirms the address. allauth then logs
# out anyone signed in as another user and sends everyone but the address's owner to the login page.
CONFIRMED_BY_KEY = _cells(L, student_a1=A)


@dataclass(frozen=True)
class Rule:
    get: dict[str, Outcome]
    post: dict[str, Outcome]

    @property
    def takes_post(self) -> bool:
        return any(outcome == A for outcome in self.post.values())


def get_only(profile):
    return Rule(get=profile, post=NO_SUCH_METHOD)


def post_only(profile):
    return Rule(get=NO_SUCH_METHOD, post=profile)


def both(profile):
    return Rule(get=profile, post=profile)


RULES: dict[str, Rule] = {
    # --- project
    "home": get_only(PUBLIC),
    # Choose which of one's roles to work in (clrportal/home.py); an empty form is a 400.
    "switch_context": post_only(SIGNED_IN),
    "health": get_only(PUBLIC),
    "api-schema": get_only(PUBLIC),
    # Achievement images and logos only (tests/achievements/test_private_files.py).
    "public_media": get_only(PUBLIC),
    # A capability URL: whoever holds the credential carrying it gets the file; no path is guessable.
    "evidence_file": get_only(PUBLIC),
    # --- institutions: public issuer documents, admin-only settings
    "institutions:profile": get_only(PUBLIC),
    "institutions:logo": get_only(PUBLIC),
    "institutions:did_document": get_only(PUBLIC),
    "institutions:settings": both(ADMIN_OF_A),
    "institutions:keys_rotate": post_only(ADMIN_OF_A),
    "institutions:key_compromise": post_only(ADMIN_OF_A),
    # People and history (tests/institutions/test_members.py, test_audit_page.py): admins of A only.
    "institutions:members": get_only(ADMIN_OF_A),
    "institutions:member_invite": post_only(ADMIN_OF_A),
    "institutions:invitation_revoke": post_only(ADMIN_OF_A),
    "institutions:member_roles": post_only(ADMIN_OF_A),
    "institutions:member_remove": post_only(ADMIN_OF_A),
    "institutions:audit": get_only(ADMIN_OF_A),
    "institutions:audit_csv": get_only(ADMIN_OF_A),
    # A staff invitation link: an anonymous visitor sees what it offers and is asked to sign in; only the
    # invited address (none of the matrix's people holds it) accepts it (tests/institutions/test_members.py).
    "institutions:invitation_accept": Rule(get=_cells(F, anonymous=A), post=_cells(F, anonymous=L)),
    # --- achievements: registrars and admins of the institution in the URL
    "achievements:catalog": get_only(STAFF_OF_A),
    "achievements:create": both(STAFF_OF_A),
    "achievements:detail": get_only(STAFF_OF_A),
    "achievements:edit": both(STAFF_OF_A),
    "achievements:association_create": post_only(STAFF_OF_A),
    "achievements:association_delete": post_only(STAFF_OF_A),
    "achievements:learners": get_only(STAFF_OF_A),
    "achievements:learners_invite": post_only(STAFF_OF_A),
    "achievements:learner": get_only(STAFF_OF_A),
    "achievements:learner_edit": post_only(STAFF_OF_A),
    "achievements:award_add": post_only(STAFF_OF_A),
    "achievements:award_withdraw": post_only(STAFF_OF_A),
    "achievements:imports": both(STAFF_OF_A),
    "achievements:import_preview": both(STAFF_OF_A),
    "achievements:import_file": get_only(STAFF_OF_A),
    "achievements:import_changes": get_only(STAFF_OF_A),
    # --- credentials
    "credentials:detail": get_only(CREDENTIAL_OF_A1),
    "credentials:download_json": get_only(CREDENTIAL_OF_A1),
    "credentials:download_jwt": get_only(CREDENTIAL_OF_A1),
    "credentials:download_pdf": get_only(CREDENTIAL_OF_A1),
    "credentials:status_list": get_only(PUBLIC),
    "credentials:jobs": both(STAFF_OF_A),
    "credentials:job": get_only(STAFF_OF_A),
    "credentials:job_retry": post_only(STAFF_OF_A),
    "credentials:job_resend": post_only(STAFF_OF_A),
    "credentials:learner_credentials": get_only(STAFF_OF_A),
    "credentials:learner_issue": post_only(STAFF_OF_A),
    "credentials:award_issue": post_only(STAFF_OF_A),
    "credentials:credential_action": post_only(STAFF_OF_A),
    # --- wallet: the signed-in person's own record; share pages are public by token
    "wallet:dashboard": get_only(SIGNED_IN),
    "wallet:record": get_only(OWNED_BY_A1),
    "wallet:record_share": post_only(OWNED_BY_A1),
    "wallet:shares": get_only(SIGNED_IN),
    "wallet:share_new": both(SIGNED_IN),
    "wallet:share_detail": get_only(OWNED_BY_A1),
    "wallet:share_revoke": both(OWNED_BY_A1),  # GET: the confirmation; POST revokes with confirm=yes
    "wallet:imports": both(SIGNED_IN),
    "wallet:import_detail": get_only(OWNED_BY_A1),
    "wallet:import_confirm": post_only(OWNED_BY_A1),
    "wallet:import_delete": post_only(OWNED_BY_A1),
    "wallet:share_public": both(PUBLIC),  # POST: the recipient e-mail check of the page
    "wallet:share_clr": get_only(PUBLIC),
    "wallet:share_pdf": get_only(PUBLIC),  # the share's token is the authority, and the share allows it
    # Claiming a record: the invitation link is the authority (anyone holding it is asked to sign in and
    # confirm); records waiting at a verified address are the signed-in person's own.
    "claims:invitation": Rule(get=PUBLIC, post=SIGNED_IN),
    "claims:waiting": both(SIGNED_IN),
    # --- experiences: the student's own (tests/experiences/test_student_pages.py)
    "experiences:list": get_only(SIGNED_IN),
    "experiences:create": both(SIGNED_IN),
    "experiences:mine": get_only(OWNED_BY_A1),
    "experiences:edit": both(OWNED_BY_A1),
    "experiences:hours_add": post_only(OWNED_BY_A1),
    "experiences:evidence_add": post_only(OWNED_BY_A1),
    "experiences:evidence_file": get_only(EXPERIENCE_EVIDENCE_OF_A1),
    "experiences:submit": post_only(OWNED_BY_A1),
    "experiences:supervisor_ask": post_only(OWNED_BY_A1),
    # Advising (tests/experiences/test_advising_pages.py): an unassigned advisor gets 404 for the
    # experience, a member without either role 403.
    "advising:queue": get_only(ADVISING_OF_A1),
    "advising:preferences": post_only(ADVISING_OF_A1),
    "advising:review": get_only(ADVISING_OF_A1),
    "advising:annotate": post_only(ADVISING_OF_A1),
    "advising:verify": post_only(ADVISING_OF_A1),
    "advising:request_changes": post_only(ADVISING_OF_A1),
    "advising:decline": post_only(ADVISING_OF_A1),
    "advising:supervisor_ask": post_only(ADVISING_OF_A1),
    "advising:unverify": post_only(ADVISING_OF_A1),
    "advising:reopen": post_only(ADMIN_OF_A),
    "advising:assignments": both(ADMIN_OF_A),
    "advising:assignments_import": post_only(ADMIN_OF_A),
    "advising:assignment_remove": post_only(ADMIN_OF_A),
    "advising:policy": both(ADMIN_OF_A),
    # An outside supervisor's single-use link: the token is the authority, no account needed.
    "supervisors:attest": both(PUBLIC),
    # --- verification: anyone
    "verify:page": both(PUBLIC),
    "verify:credential": get_only(PUBLIC),  # a redirect to the page, which decides who sees the verdict
    "verify:api": post_only(PUBLIC),
    # --- accounts (django-allauth): pages for anyone, and pages of the signed-in person
    "account_login": both(PUBLIC),
    "account_logout": both(PUBLIC),
    "account_inactive": get_only(PUBLIC),
    "account_signup": both(PUBLIC),
    "account_reauthenticate": both(SIGNED_IN),
    "account_email": both(SIGNED_IN),
    "account_email_verification_sent": get_only(PUBLIC),
    "account_change_password": both(SIGNED_IN),
    "account_set_password": both(SIGNED_IN),
    "account_reset_password": both(PUBLIC),
    "account_reset_password_done": get_only(PUBLIC),
    "account_reset_password_from_key": both(PUBLIC),
    "account_reset_password_from_key_done": get_only(PUBLIC),
    "account_confirm_email": Rule(get=PUBLIC, post=CONFIRMED_BY_KEY),
    "mfa_index": Rule(get=SIGNED_IN, post=SIGNED_IN_GET_ONLY_POST),
    "mfa_activate_totp": both(SIGNED_IN),
    "mfa_deactivate_totp": both(SIGNED_IN_WITHOUT_MFA_NOTHING_TO_SHOW),
    "mfa_view_recovery_codes": Rule(get=SIGNED_IN_WITHOUT_MFA_NOTHING_TO_SHOW, post=SIGNED_IN_GET_ONLY_POST),
    "mfa_generate_recovery_codes": both(SIGNED_IN),
    "mfa_download_recovery_codes": both(SIGNED_IN_WITHOUT_MFA_NOTHING_TO_SHOW),
}

# Patterns left out of the matrix, each with the reason. A name ending in ":" stands for a whole namespace.
FRAMEWORK_PATTERNS: dict[str, str] = {
    "admin:": "Django's admin site: only is_staff users, and no portal role is staff "
    "(checked by test_no_portal_role_gets_into_the_django_admin).",
    "account_confirm_login_code": "allauth internal: login by emailed code, a step of a login flow in progress "
    "(login by code is not enabled).",
    "account_request_reauthentication_code": "allauth internal: reauthentication by emailed code, only "
    "offered to accounts without a password.",
    "account_confirm_reauthentication_code": "allauth internal: the second step of reauthentication by code.",
    "mfa_authenticate": "allauth internal: the TOTP step of a login in progress (tests/institutions/"
    "test_two_factor.py goes through it).",
    "mfa_reauthenticate": "allauth internal: reauthentication with TOTP, for accounts with two-factor set up.",
}


def _skipped(name: str) -> bool:
    return name in FRAMEWORK_PATTERNS or any(
        name.startswith(prefix) for prefix in FRAMEWORK_PATTERNS if prefix.endswith(":")
    )


@dataclass(frozen=True)
class Pattern:
    name: str  # namespace:name, or "<unnamed ...>"
    route: str
    kwargs: tuple[str, ...]
    view: str
    callback: object


def all_patterns(resolver=None, prefix: str = "", namespace: str = "", kwargs=()) -> list[Pattern]:
    """Every URL pattern the resolver knows, with its full route and the URL keywords it needs."""
    resolver = resolver or get_resolver()
    found = []
    for entry in resolver.url_patterns:
        names = kwargs + tuple(entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else entry.namespace
            found += all_patterns(entry, prefix + str(entry.pattern), inner or namespace, names)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            found.append(
                Pattern(name or f"<unnamed {route}>", route, names, entry.lookup_str, entry.callback)
            )
    return found


def checked_patterns() -> list[Pattern]:
    """The patterns the matrix covers: all of them but the framework ones listed above."""
    return [pattern for pattern in all_patterns() if not _skipped(pattern.name)]


def stale_framework_entries() -> set[str]:
    names = {pattern.name for pattern in all_patterns()}
    return {
        entry
        for entry in FRAMEWORK_PATTERNS
        if not (any(n.startswith(entry) for n in names) if entry.endswith(":") else entry in names)
    }


# URL keywords -> the object of the world they name (institution A, its first student A1).
KWARG_BUILDERS = {
    "slug": lambda world: world.a.institution.slug,
    "credential_id": lambda world: world.a.credentials[0].id,
    "learner_id": lambda world: world.a.learners[0].pk,
    "award_id": lambda world: world.a.awards[0].pk,
    "job_id": lambda world: world.a.job.id,
    "share_id": lambda world: world.a.share.id,
    "token": lambda world: world.a.share_token,
    "member_id": lambda world: world.a.advisor.pk,
    "claim_token": lambda world: world.claim_token,
    "achievement_id": lambda world: world.a.course.pk,
    "association_id": lambda world: world.a.association.pk,
    "run_id": lambda world: world.a.import_run.pk,
    "import_id": lambda world: world.a.external.id,
    "key_id": lambda world: world.a.key.key_id,
    "number": lambda world: world.a.status_list.number,
    "purpose": lambda world: "revocation",
    "action": lambda world: "revoke",
    "key": lambda world: world.email_confirmation_key,
    "uidb36": lambda world: world.password_reset_uidb36,
    "path": lambda world: world.a.institution.logo.name,
    "evidence_id": lambda world: world.a.evidence.uuid,
    "file_name": lambda world: world.a.evidence.file_name,
    "experience_id": lambda world: world.a.experience.uuid,
    "assignment_id": lambda world: world.a.assignment.pk,
    "supervisor_token": lambda world: world.a.supervisor_token,
}
# Where a keyword means something else in one pattern.
KWARG_OVERRIDES = {
    ("wallet:share_clr", "credential_id"): lambda world: world.a.share_clr.id,
    ("wallet:share_pdf", "credential_id"): lambda world: world.a.share_clr.id,
    ("account_reset_password_from_key", "key"): lambda world: world.password_reset_key,
    ("institutions:invitation_accept", "token"): lambda world: world.staff_invitation_token,
    ("experiences:evidence_file", "evidence_id"): lambda world: world.a.experience_evidence.uuid,
}
# The rooms with many URLs of their own keep their rules in modules beside this one (same names); they
# import the outcome profiles above from here.
from . import rules_delivery, rules_ims, rules_oauth, rules_portal_api  # noqa: E402

for _room in (rules_oauth, rules_ims, rules_portal_api, rules_delivery):
    RULES.update(_room.RULES)
    FRAMEWORK_PATTERNS.update(getattr(_room, "FRAMEWORK_PATTERNS", {}))
    KWARG_BUILDERS.update(getattr(_room, "KWARG_BUILDERS", {}))
    KWARG_OVERRIDES.update(getattr(_room, "KWARG_OVERRIDES", {}))

# Keywords that name an institution's or a learner's own objects (not the institution itself).
OBJECT_KWARGS = set(KWARG_BUILDERS) - {
    "slug", "purpose", "action", "key", "uidb36", "number", "token", "claim_token", "supervisor_token"
}  # fmt: skip


class UnbuildableURL(Exception):
    pass


def url_kwargs(pattern: Pattern, world) -> dict:
    missing = [
        kwarg
        for kwarg in pattern.kwargs
        if (pattern.name, kwarg) not in KWARG_OVERRIDES and kwarg not in KWARG_BUILDERS
    ]
    if missing:
        raise UnbuildableURL(
            f"{pattern.name} ({pattern.route}) needs {missing}: add a builder to KWARG_BUILDERS in "
            "tests/security/rules.py"
        )
    return {
        kwarg: KWARG_OVERRIDES.get((pattern.name, kwarg), KWARG_BUILDERS.get(kwarg))(world)
        for kwarg in pattern.kwargs
    }


REDIRECTS = {301, 302, 303, 307, 308}


def outcome_of(response) -> Outcome | str:
    """The outcome class of a response (a string naming the status when it is none of them)."""
    code = response.status_code
    if code in REDIRECTS:
        login_pages = {reverse("account_login"), reverse("admin:login")}
        return L if urlsplit(response["Location"]).path in login_pages else A
    if 200 <= code < 300 or code in (400, 409):
        return A
    return {401: U, 403: F, 404: N, 405: M}.get(code, f"unexpected status {code}")
