"""Where each person lands: the contexts they can work in, the navigation of each, and what its home shows.

A context is one role a person holds: a staff membership (admin, registrar or advisor at one institution)
or "student", their own record across every institution that knows them as a learner. A person with several
chooses one (`context_choose`, kept in the session); until then the first of `contexts_for` applies.

- `contexts_for(user=...)`: the person's contexts, staff roles first.
- `current_context(request=...)`: the chosen context, or the default one; None for a visitor.
- `context_choose(request=..., key=...)`: remember a choice; refuses a key that is not the person's.
- `nav_links(context=..., path=...)`: the header's links for a context (Verify for everyone).
- `registrar_home(institution=...)`, `admin_home(institution=...)`: what those homes show.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from achievements.models import ImportRun
from credentials.models import CredentialState, IssuanceJob, IssuedCredential
from institutions.models import AuditEntry, Institution, KeyStatus, Membership, Role, SigningKey

SESSION_KEY = "portal_context"
STUDENT = "student"
# Which staff role a person with several lands in first.
ROLE_ORDER = {Role.ADMIN: 0, Role.REGISTRAR: 1, Role.ADVISOR: 2}
RECENT = 5


class NotYourContext(Exception):
    """The chosen context is not one of the person's own."""


@dataclass(frozen=True)
class Context:
    key: str  # "student", or the membership's id
    role: str
    institution: Institution | None = None

    @property
    def is_student(self) -> bool:
        return self.role == STUDENT

    @property
    def label(self) -> str:
        if self.is_student:
            return "My record"
        return f"{Role(self.role).label} · {self.institution.name}"

    @property
    def short_label(self) -> str:
        return "Student" if self.is_student else Role(self.role).label


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    current: bool = False


def contexts_for(*, user, memberships: list[Membership] | None = None) -> list[Context]:
    """The person's contexts: their staff memberships (admin, registrar, advisor), then their own record."""
    if user is None or not user.is_authenticated:
        return []
    if memberships is None:
        memberships = list(user.memberships.select_related("institution"))
    staff = sorted(
        (m for m in memberships if m.role in ROLE_ORDER),
        key=lambda m: (ROLE_ORDER[m.role], m.institution.name, m.pk),
    )
    contexts = [Context(key=str(m.pk), role=m.role, institution=m.institution) for m in staff]
    if any(m.role == Role.STUDENT for m in memberships) or user.learner_profiles.exists():
        contexts.append(Context(key=STUDENT, role=STUDENT))
    return contexts


def current_context(*, request, contexts: list[Context] | None = None) -> Context | None:
    """The context the person chose in this session, or their first one."""
    if contexts is None:
        contexts = contexts_for(user=getattr(request, "user", None))
    if not contexts:
        return None
    chosen = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    return next((context for context in contexts if context.key == chosen), contexts[0])


def context_choose(*, request, key: str) -> Context:
    """Keep `key` as the person's context for this session, if it is one of theirs."""
    context = next((c for c in contexts_for(user=request.user) if c.key == key), None)
    if context is None:
        raise NotYourContext("That is not one of your roles.")
    request.session[SESSION_KEY] = context.key
    return context


def _url(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # a page another part of the portal has not built yet
        return None


# Links that are the current one only on their own page, not on the pages under them.
EXACT = {"Institution profile", "Verify"}


def _links(pairs, path: str) -> list[NavLink]:
    links = [(label, url) for label, url in pairs if url]
    # The most specific link that leads to the page is the current one.
    current = max(
        (url for label, url in links if url == path or (label not in EXACT and path.startswith(url))),
        key=len,
        default=None,
    )
    return [NavLink(label, url, current=url == current) for label, url in links]


def records_links(slug: str) -> list[tuple[str, str | None]]:
    return [
        ("Catalog", _url("achievements:catalog", slug)),
        ("Learners", _url("achievements:learners", slug)),
        ("Imports", _url("achievements:imports", slug)),
        ("Issuance", _url("credentials:jobs", slug)),
    ]


def institution_links(slug: str) -> list[tuple[str, str | None]]:
    return [
        ("Settings", _url("institutions:settings", slug)),
        ("Members", _url("institutions:members", slug)),
        # Who advises whom and the experience settings are tabs of Advising: one more link would wrap.
        ("Advising", _url("advising:queue", slug)),
        ("Audit log", _url("institutions:audit", slug)),
    ]


def nav_links(*, context: Context | None, path: str = "") -> list[NavLink]:
    """The header's links in this context; Verify is there for everyone."""
    pairs: list[tuple[str, str | None]] = []
    if context is not None and context.is_student:
        pairs = [
            ("My record", _url("wallet:dashboard")),
            ("Experiences", _url("experiences:list")),
            ("Shares", _url("wallet:shares")),
        ]
    elif context is not None and context.role == Role.REGISTRAR:
        pairs = records_links(context.institution.slug)
    elif context is not None and context.role == Role.ADMIN:
        pairs = institution_links(context.institution.slug) + records_links(context.institution.slug)
    elif context is not None and context.role == Role.ADVISOR:
        pairs = [
            ("Advising", _url("advising:queue", context.institution.slug)),
            ("Institution profile", _url("institutions:profile", context.institution.slug)),
        ]
    pairs.append(("Verify", _url("verify:page")))
    return _links(pairs, path)


def home_links(*, context: Context) -> list[NavLink]:
    """The links a staff home lists: the header's, without Verify (the home offers it on its own)."""
    return [link for link in nav_links(context=context) if link.label != "Verify"]


@dataclass(frozen=True)
class RegistrarHome:
    imports: list[ImportRun]
    running_jobs: list[IssuanceJob]
    failed_jobs: list[IssuanceJob]
    failed_credentials: int


def registrar_home(*, institution: Institution) -> RegistrarHome:
    """Recent SIS imports, issuance jobs still running or done with failures, and credentials that failed."""
    jobs = IssuanceJob.objects.filter(institution=institution)
    return RegistrarHome(
        imports=list(ImportRun.objects.filter(institution=institution)[:RECENT]),
        running_jobs=list(jobs.filter(state=IssuanceJob.State.RUNNING)[:RECENT]),
        failed_jobs=list(jobs.filter(state=IssuanceJob.State.DONE_WITH_FAILURES)[:RECENT]),
        failed_credentials=IssuedCredential.objects.filter(
            institution=institution, state=CredentialState.FAILED
        ).count(),
    )


@dataclass(frozen=True)
class AdminHome:
    keys: list[SigningKey]
    has_active_key: bool
    members_by_role: list[tuple[str, int]]
    people: int
    audit: list[AuditEntry]


def admin_home(*, institution: Institution) -> AdminHome:
    """The institution's health: its signing keys, how many people hold each role, the last audit entries."""
    keys = list(SigningKey.objects.filter(institution=institution))
    memberships = Membership.objects.filter(institution=institution)
    counts = {role: 0 for role in Role.values}
    for role in memberships.values_list("role", flat=True):
        counts[role] += 1
    return AdminHome(
        keys=keys,
        has_active_key=any(key.status == KeyStatus.ACTIVE for key in keys),
        members_by_role=[(Role(role).label, count) for role, count in counts.items()],
        people=memberships.values("user").distinct().count(),
        audit=list(AuditEntry.objects.filter(institution=institution).select_related("actor")[: RECENT * 2]),
    )
