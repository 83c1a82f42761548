import csv
import mimetypes

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import selectors, services
from .forms import (
    AuditFilterForm,
    IdentifierFormSet,
    InstitutionProfileForm,
    InvitationRevokeForm,
    KeyCompromiseForm,
    MemberRolesForm,
    StaffInvitationForm,
)
from .models import INVITATION_LIFETIME, Institution, KeyAlgorithm, KeyStatus, Role
from .permissions import institution_role_required

JSON_LD = "application/ld+json"
# Image types a browser only ever shows as an image; any other logo (an SVG, say) is a download, since
# shown as a document it could run script as the portal (issue 11, finding 5).
RASTER_IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


def wants_json_ld(request) -> bool:
    accept = request.headers.get("Accept", "")
    return JSON_LD in accept or ("application/json" in accept and "text/html" not in accept)


def json_ld_response(document: dict) -> JsonResponse:
    response = JsonResponse(document, content_type=JSON_LD, json_dumps_params={"indent": 2})
    response["Access-Control-Allow-Origin"] = "*"
    response["Vary"] = "Accept"
    return response


@require_GET
def profile(request, slug):
    institution = get_object_or_404(Institution.objects.select_related("parent"), slug=slug)
    if wants_json_ld(request):
        return json_ld_response(selectors.institution_profile_document(institution=institution))
    response = render(
        request,
        "institutions/profile.html",
        {"institution": institution, "identifiers": institution.identifiers.all()},
    )
    response["Vary"] = "Accept"
    return response


@require_GET
def logo(request, slug):
    institution = get_object_or_404(Institution, slug=slug)
    if not institution.logo:
        raise Http404("This institution has no logo.")
    content_type, _encoding = mimetypes.guess_type(institution.logo.name)
    response = FileResponse(institution.logo.open("rb"), as_attachment=content_type not in RASTER_IMAGE_TYPES)
    response["Cache-Control"] = "public, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def did_document(request, slug):
    institution = get_object_or_404(Institution, slug=slug)
    response = JsonResponse(
        selectors.institution_did_document(institution=institution),
        content_type="application/did+ld+json",
        json_dumps_params={"indent": 2},
    )
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_http_methods(["GET", "POST"])
@institution_role_required(Role.ADMIN)
def settings_page(request):
    institution = request.institution
    form = InstitutionProfileForm(request.POST or None, request.FILES or None, instance=institution)
    identifiers = IdentifierFormSet(request.POST or None, instance=institution, prefix="identifiers")
    if request.method == "POST" and form.is_valid() and identifiers.is_valid():
        with transaction.atomic():
            form.save(commit=False)
            services.institution_update(
                institution=institution,
                actor=request.user,
                changed_fields=form.changed_data + (["otherIdentifier"] if identifiers.has_changed() else []),
            )
            identifiers.save()
        messages.success(request, "The institution profile was saved.")
        return redirect("institutions:settings", slug=institution.slug)
    if request.method == "POST":
        messages.error(request, "The profile was not saved: please correct the fields marked below.")
    return render(
        request,
        "institutions/settings.html",
        {
            "institution": institution,
            "form": form,
            "identifiers": identifiers,
            "keys": institution.signing_keys.all(),
            "compromise_form": KeyCompromiseForm(),
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@institution_role_required(Role.ADMIN)
def keys_rotate(request):
    institution = request.institution
    algorithm = request.POST.get("algorithm")
    algorithms = [algorithm] if algorithm in KeyAlgorithm.values else None
    if request.POST.get("confirm") != "yes":
        # The settings page's button leads here: nothing changes until the admin confirms.
        return render(
            request,
            "institutions/keys_rotate_confirm.html",
            {
                "institution": institution,
                "algorithm": algorithm if algorithms else "",
                "algorithms": algorithms or list(KeyAlgorithm.values),
                "active_keys": institution.signing_keys.active().filter(
                    algorithm__in=algorithms or KeyAlgorithm.values
                ),
            },
        )
    created = services.signing_keys_rotate(institution=institution, actor=request.user, algorithms=algorithms)
    messages.success(
        request,
        "New active key(s): " + ", ".join(key.key_id for key in created) + ". Older keys stay published.",
    )
    return redirect("institutions:settings", slug=institution.slug)


@require_POST
@institution_role_required(Role.ADMIN)
def key_compromise(request, key_id):
    key = get_object_or_404(request.institution.signing_keys, key_id=key_id)
    form = KeyCompromiseForm(request.POST)
    if request.POST.get("confirm") != "yes" or not form.is_valid():
        return render(
            request,
            "institutions/key_compromise_confirm.html",
            {
                "institution": request.institution,
                "key": key,
                "form": form,
                "replaced": key.status == KeyStatus.ACTIVE,
            },
            status=200 if form.is_valid() else 400,
        )
    services.signing_key_mark_compromised(key=key, reason=form.cleaned_data["reason"], actor=request.user)
    messages.warning(
        request, f"Key {key.key_id} is marked compromised: credentials it signed no longer verify."
    )
    return redirect("institutions:settings", slug=request.institution.slug)


# --- people -------------------------------------------------------------------------------------------

MEMBERS_PER_PAGE = 50


def _members_page(request, *, invite_form=None, status=200):
    institution = request.institution
    role = request.GET.get("role", "")
    role = role if role in Role.values else ""
    people = selectors.institution_members(institution=institution, role=role or None)
    return render(
        request,
        "institutions/members.html",
        {
            "institution": institution,
            "page": Paginator(people, MEMBERS_PER_PAGE).get_page(request.GET.get("page")),
            "role_filter": role,
            "roles": Role.choices,
            "invite_form": invite_form or StaffInvitationForm(institution=institution),
            "invitations": selectors.institution_pending_invitations(institution=institution),
            "invitation_days": INVITATION_LIFETIME.days,
        },
        status=status,
    )


def _refused(request, message: str, status: int = 409):
    messages.error(request, message)
    return _members_page(request, status=status)


def _back_to_members(request):
    # An admin who just gave up their own admin role may no longer open the members page.
    if request.user.memberships.filter(institution=request.institution, role=Role.ADMIN).exists():
        return redirect("institutions:members", slug=request.institution.slug)
    return redirect("home")


@require_GET
@institution_role_required(Role.ADMIN)
def members(request):
    return _members_page(request)


@require_POST
@institution_role_required(Role.ADMIN)
def member_invite(request):
    form = StaffInvitationForm(request.POST, institution=request.institution)
    if not form.is_valid():
        messages.error(request, "The invitation was not sent: please correct the fields marked below.")
        return _members_page(request, invite_form=form, status=400)
    invitation = services.staff_invitation_create(
        institution=request.institution,
        email=form.cleaned_data["email"],
        role=form.cleaned_data["role"],
        actor=request.user,
    )
    messages.success(
        request,
        f"An invitation to join as {invitation.get_role_display()} was sent to {invitation.email}. "
        f"Its link works once, for {INVITATION_LIFETIME.days} days.",
    )
    return redirect("institutions:members", slug=request.institution.slug)


@require_POST
@institution_role_required(Role.ADMIN)
def invitation_revoke(request):
    form = InvitationRevokeForm(request.POST, institution=request.institution)
    if not form.is_valid():
        return _refused(request, "That invitation is not open: it was used, withdrawn, or never sent.", 400)
    try:
        invitation = services.staff_invitation_revoke(
            invitation=form.cleaned_data["invitation"], actor=request.user
        )
    except services.MembershipChangeRefused as refused:
        return _refused(request, refused.message)
    messages.success(
        request, f"The invitation of {invitation.email} was withdrawn: its link no longer works."
    )
    return redirect("institutions:members", slug=request.institution.slug)


@require_POST
@institution_role_required(Role.ADMIN)
def member_roles(request, member_id):
    member = selectors.institution_member(institution=request.institution, user_id=member_id)
    form = MemberRolesForm(request.POST)
    if not form.is_valid():
        return _refused(request, " ".join(form.errors.get("roles", ["Choose the member's roles."])), 400)
    try:
        changed = services.member_roles_set(
            institution=request.institution,
            user=member,
            roles=set(form.cleaned_data["roles"]),
            actor=request.user,
        )
    except services.MembershipChangeRefused as refused:
        return _refused(request, refused.message)
    if changed:
        messages.success(request, f"The roles of {member.email} were changed.")
    return _back_to_members(request)


@require_POST
@institution_role_required(Role.ADMIN)
def member_remove(request, member_id):
    member = selectors.institution_member(institution=request.institution, user_id=member_id)
    try:
        services.member_remove(institution=request.institution, user=member, actor=request.user)
    except services.MembershipChangeRefused as refused:
        return _refused(request, refused.message)
    messages.success(request, f"{member.email} no longer holds any role at {request.institution.name}.")
    return _back_to_members(request)


def _private(response):
    # The token is in the address: keep it out of other sites' Referer headers, caches and search engines.
    # Not no-referrer: browsers would then post the accept form with `Origin: null`, which CSRF refuses.
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_http_methods(["GET", "POST"])
def invitation_accept(request, token):
    try:
        invitation = services.staff_invitation_for_token(token=token)
    except services.InvitationRefused as refused:
        return _private(
            render(
                request, "institutions/invitation.html", {"refusal": refused.message}, status=refused.status
            )
        )
    user = request.user if request.user.is_authenticated else None
    if request.method == "POST":
        if user is None:
            return _private(redirect_to_login(request.path))
        try:
            services.staff_invitation_accept(invitation=invitation, user=user)
        except services.InvitationRefused as refused:
            context = {"invitation": invitation, "refusal": refused.message}
            return _private(render(request, "institutions/invitation.html", context, status=refused.status))
        messages.success(
            request, f"You are now {invitation.get_role_display()} at {invitation.institution.name}."
        )
        return _private(redirect("home"))
    refusal, status = "", 200
    try:
        services.staff_invitation_check(invitation=invitation, user=user)
    except services.InvitationRefused as refused:
        refusal, status = refused.message, refused.status
    return _private(
        render(
            request,
            "institutions/invitation.html",
            {"invitation": invitation, "refusal": refusal, "gone": status == 410},
            status=status,
        )
    )


# --- the audit history --------------------------------------------------------------------------------

AUDIT_PER_PAGE = 50
AUDIT_CSV_COLUMNS = ["at", "actor", "action", "target", "data"]


def _audit_filter(request) -> AuditFilterForm:
    return AuditFilterForm(request.GET, actions=selectors.audit_actions(institution=request.institution))


@require_GET
@institution_role_required(Role.ADMIN)
def audit(request):
    form = _audit_filter(request)
    valid = form.is_valid()
    entries = selectors.audit_entries(institution=request.institution, **form.filters()) if valid else []
    return render(
        request,
        "institutions/audit.html",
        {
            "institution": request.institution,
            "form": form,
            "page": Paginator(entries, AUDIT_PER_PAGE).get_page(request.GET.get("page")),
        },
        status=200 if valid else 400,
    )


class _Echo:
    def write(self, value):
        return value


def _spreadsheet_safe(value: str) -> str:
    # OWASP CSV injection: a cell a spreadsheet would run as a formula is prefixed with a quote.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


@require_GET
@institution_role_required(Role.ADMIN)
def audit_csv(request):
    form = _audit_filter(request)
    if not form.is_valid():
        problems = "; ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items())
        return HttpResponse(f"Bad filter: {problems}\n", status=400, content_type="text/plain; charset=utf-8")
    entries = selectors.audit_entries(institution=request.institution, **form.filters())
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(AUDIT_CSV_COLUMNS)
        for entry in entries.iterator(chunk_size=500):
            cells = [
                entry.at.isoformat(),
                entry.actor.email if entry.actor else "",
                entry.action,
                entry.target,
            ]
            yield writer.writerow([_spreadsheet_safe(cell) for cell in cells] + [entry.data_json])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{request.institution.slug}-audit.csv"'
    return response
