import mimetypes

from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import selectors, services
from .forms import IdentifierFormSet, InstitutionProfileForm, KeyCompromiseForm
from .models import Institution, KeyAlgorithm, Role
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
    algorithm = request.POST.get("algorithm")
    algorithms = [algorithm] if algorithm in KeyAlgorithm.values else None
    created = services.signing_keys_rotate(
        institution=request.institution, actor=request.user, algorithms=algorithms
    )
    messages.success(
        request,
        "New active key(s): " + ", ".join(key.key_id for key in created) + ". Older keys stay published.",
    )
    return redirect("institutions:settings", slug=request.institution.slug)


@require_POST
@institution_role_required(Role.ADMIN)
def key_compromise(request, key_id):
    key = get_object_or_404(request.institution.signing_keys, key_id=key_id)
    form = KeyCompromiseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the key is compromised: the reason is kept in the audit history.")
        return redirect("institutions:settings", slug=request.institution.slug)
    services.signing_key_mark_compromised(key=key, reason=form.cleaned_data["reason"], actor=request.user)
    messages.warning(
        request, f"Key {key.key_id} is marked compromised: credentials it signed no longer verify."
    )
    return redirect("institutions:settings", slug=request.institution.slug)
