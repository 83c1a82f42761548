import json
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import quote_etag
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from achievements.models import Achievement, Award, Learner
from achievements.selectors import term_order
from achievements.services import award_withdraw
from institutions.models import Role
from institutions.permissions import institution_role_required
from institutions.views import json_ld_response, wants_json_ld

from . import companion_store, forms, selectors, services
from .models import CredentialState, IssuanceJob, IssuedCredential, StatusList, StatusPurpose
from .sending import sends_deferred
from .signing import document_jwt
from .status_lists import STATUS_LIST_TTL, status_list_publish
from .verification import issued_credential_verify

STAFF = (Role.ADMIN, Role.REGISTRAR)
QUEUE_DOWN = "Saved; signing will start when the queue is back."


def _says_when_the_queue_is_down(view):
    """Tell the person when what they saved could not be sent to the workers yet (the broker is down).

    Nothing is lost: the rows are saved as queued, and the periodic sweep sends them once it is back.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        with sends_deferred() as deferred:
            response = view(request, *args, **kwargs)
        if deferred:
            messages.warning(request, QUEUE_DOWN)
        return response

    return wrapped


def _visible_credential(request, credential_id) -> IssuedCredential:
    """The credential, if the visitor is its learner or staff of its institution; 404 for anyone else."""
    credential = get_object_or_404(
        IssuedCredential.objects.select_related("institution", "learner", "award", "signing_key"),
        pk=credential_id,
    )
    if not selectors.credential_visible_to(credential=credential, user=request.user):
        raise Http404("No such credential.")
    return credential


@require_GET
def detail(request, credential_id):
    credential = _visible_credential(request, credential_id)
    if wants_json_ld(request):
        if credential.state != CredentialState.SIGNED:
            return JsonResponse(
                {
                    "message": f"The credential is {credential.state}, not signed yet.",
                    "extra": {"state": credential.state},
                },
                status=409,
            )
        return json_ld_response(credential.document)
    result = issued_credential_verify(credential=credential)
    return render(
        request,
        "credentials/detail.html",
        {
            "credential": credential,
            "result": result,
            "document_json": json.dumps(credential.document, indent=2) if credential.document else "",
            "is_staff": selectors.is_institution_staff(user=request.user, institution=credential.institution),
            "replacement": selectors.credential_replacement(credential=credential),
        },
    )


@require_GET
def download_json(request, credential_id):
    credential = _visible_credential(request, credential_id)
    if credential.state != CredentialState.SIGNED:
        raise Http404("The credential is not signed yet.")
    response = HttpResponse(json.dumps(credential.document, indent=2), content_type="application/ld+json")
    response["Content-Disposition"] = f'attachment; filename="credential-{credential.id}.json"'
    return response


@require_GET
def download_jwt(request, credential_id):
    credential = _visible_credential(request, credential_id)
    if credential.state != CredentialState.SIGNED:
        raise Http404("The credential is not signed yet.")
    token = selectors.credential_jwt(credential=credential, sign=document_jwt)
    response = HttpResponse(token, content_type="application/vc+jwt")
    response["Content-Disposition"] = f'attachment; filename="credential-{credential.id}.jwt"'
    return response


@require_GET
def download_pdf(request, credential_id):
    """The PDF companion: rendered and kept on the first download if the worker has not made it yet."""
    credential = _visible_credential(request, credential_id)
    if credential.state != CredentialState.SIGNED:
        raise Http404("The credential is not signed yet.")
    # Imported here: WeasyPrint (22 MB) is loaded only by processes that render.
    from .companion import CompanionError

    try:
        credential = companion_store.companion_pdf_store(credential_id=credential.pk)
    except CompanionError:
        return render(request, "credentials/pdf_unavailable.html", {"credential": credential}, status=503)
    response = FileResponse(
        credential.pdf.open("rb"), as_attachment=True, filename=f"credential-{credential.id}.pdf",
        content_type="application/pdf",
    )  # fmt: skip
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def status_list(request, slug, number, purpose):
    if purpose not in StatusPurpose.values:
        raise Http404("Unknown status purpose.")
    found = get_object_or_404(
        StatusList.objects.select_related("institution"), institution__slug=slug, number=number
    )
    published = status_list_publish(status_list_id=found.pk) if found.needs_signing else found
    etag = quote_etag(f"{published.pk}-{published.signed_revision}-{purpose}")
    if etag in request.headers.get("If-None-Match", ""):
        response = HttpResponse(status=304)
    else:
        response = json_ld_response(getattr(published, f"{purpose}_document"))
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={int(STATUS_LIST_TTL.total_seconds())}"
    return response


# --- registrar pages -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@institution_role_required(*STAFF)
@_says_when_the_queue_is_down
def jobs(request):
    institution = request.institution
    terms = list(term_order(institution=institution, terms=selectors.terms_of(institution=institution)))
    data = request.POST if request.method == "POST" else request.GET
    term = data.get("term") or None
    chosen = data.getlist("achievement")
    if request.method == "POST" and "search" in request.POST:
        # The picker's search button: show the narrowed list with the choices so far (a GET, so no token
        # travels in the address).
        query = {"q": forms.search_query(data.get("q", "")), "term": term if term in terms else ""}
        query = {key: value for key, value in query.items() if value}
        query["achievement"] = forms.achievement_ids(chosen)
        return redirect(f"{request.path}?{urlencode(query, doseq=True)}")
    if request.method == "POST":
        achievement_ids = tuple(
            Achievement.objects.filter(
                institution=institution, pk__in=forms.achievement_ids(chosen)
            ).values_list("pk", flat=True)
        )
        if term and term not in terms:
            messages.error(request, f"There are no awards in the term {term!r}.")
        elif chosen and not achievement_ids:
            # A choice that names nothing of this catalog is refused, never widened to "all awards".
            messages.error(request, "None of the chosen achievements is in your catalog: nothing was issued.")
        else:
            job = services.bulk_issue(
                institution=institution,
                selection=services.Selection(term=term, achievement_ids=achievement_ids),
                actor=request.user,
            )
            messages.success(request, f"Issuing {job.total} credential(s): {job.description}.")
            return redirect("credentials:job", slug=institution.slug, job_id=job.id)
    return render(
        request,
        "credentials/jobs.html",
        {
            "institution": institution,
            "jobs": institution.issuance_jobs.all()[:50],
            "terms": terms,
            "term": term if term in terms else "",
            "picker": forms.achievement_picker(
                institution=institution,
                query=forms.search_query(data.get("q", "")),
                chosen=forms.achievement_ids(chosen),
            ),
            "section": "issuance",
        },
    )


@require_GET
@institution_role_required(*STAFF)
def job(request, job_id):
    found = get_object_or_404(IssuanceJob, institution=request.institution, pk=job_id)
    failures = found.credentials.filter(state=CredentialState.FAILED).select_related(
        "award__achievement", "learner"
    )
    if request.GET.get("format") == "json":
        return JsonResponse(selectors.job_progress(job=found))
    pdf_failures = found.credentials.exclude(pdf_error="").select_related("learner")
    return render(
        request,
        "credentials/job.html",
        {
            "institution": request.institution,
            "job": found,
            "failures": failures[:200],
            "pdf_failures": pdf_failures[:200],
            "section": "issuance",
        },
    )


@require_POST
@institution_role_required(*STAFF)
@_says_when_the_queue_is_down
def job_retry(request, job_id):
    found = get_object_or_404(IssuanceJob, institution=request.institution, pk=job_id)
    count = services.job_retry_failed(job=found, actor=request.user)
    messages.success(request, f"{count} failed credential(s) queued again.")
    return redirect("credentials:job", slug=request.institution.slug, job_id=found.id)


@require_POST
@institution_role_required(*STAFF)
@_says_when_the_queue_is_down
def job_resend(request, job_id):
    """Send the job's waiting credentials to the workers again, e.g. after a worker machine died."""
    found = get_object_or_404(IssuanceJob, institution=request.institution, pk=job_id)
    count = services.job_requeue_stalled(job=found)
    messages.success(request, f"{count} waiting credential(s) sent to the workers again.")
    return redirect("credentials:job", slug=request.institution.slug, job_id=found.id)


@require_GET
@institution_role_required(*STAFF)
def learner_credentials(request, learner_id):
    learner = get_object_or_404(Learner, institution=request.institution, pk=learner_id)
    return render(
        request,
        "credentials/learner_credentials.html",
        {
            "institution": request.institution,
            "learner": learner,
            "credentials": selectors.credentials_of_learner(learner=learner),
            "section": "learners",
        },
    )


@require_POST
@institution_role_required(*STAFF)
@_says_when_the_queue_is_down
def learner_issue(request, learner_id):
    learner = get_object_or_404(Learner, institution=request.institution, pk=learner_id)
    try:
        clr = services.clr_issue(learner=learner, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("achievements:learner", slug=request.institution.slug, learner_id=learner.pk)
    messages.success(request, "The Comprehensive Learner Record is being signed.")
    return redirect("credentials:detail", credential_id=clr.id)


@require_POST
@institution_role_required(*STAFF)
@_says_when_the_queue_is_down
def award_issue(request, award_id):
    award = get_object_or_404(Award, institution=request.institution, pk=award_id)
    try:
        credential = services.credential_issue(award=award, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("achievements:learner", slug=request.institution.slug, learner_id=award.learner_id)
    return redirect("credentials:detail", credential_id=credential.id)


# What cannot be undone asks first: the form says what will happen and only `confirm=yes` acts.
IRREVERSIBLE = ("revoke", "replace", "withdraw")
ACTIONS = (*IRREVERSIBLE, "suspend", "unsuspend")


def _confirmation(request, credential, action, *, reason, errors=(), status=200):
    return render(
        request,
        "credentials/confirm_action.html",
        {
            "credential": credential,
            "action": action,
            "reason": reason,
            "errors": errors,
            "learner_email": services.status_email_address(learner=credential.learner),
            "institution": credential.institution,
        },
        status=status,
    )


@require_POST
@institution_role_required(*STAFF)
@_says_when_the_queue_is_down
def credential_action(request, credential_id, action):
    credential = get_object_or_404(
        IssuedCredential.objects.select_related(
            "status_list", "institution", "learner__user", "award__achievement", "award__achievement_version"
        ),
        institution=request.institution,
        pk=credential_id,
    )
    if action not in ACTIONS:
        raise PermissionDenied("Unknown action.")
    reason = request.POST.get("reason", "").strip()
    if action in IRREVERSIBLE and request.POST.get("confirm") != "yes":
        return _confirmation(request, credential, action, reason=reason)
    try:
        if action == "revoke":
            services.credential_revoke(credential=credential, reason=reason, actor=request.user)
            messages.warning(request, "The credential is revoked: verifiers will now report it as revoked.")
        elif action == "suspend":
            services.credential_suspend(credential=credential, reason=reason, actor=request.user)
            messages.warning(request, "The credential is suspended until you lift the suspension.")
        elif action == "unsuspend":
            services.credential_unsuspend(credential=credential, actor=request.user)
            messages.success(request, "The suspension is lifted.")
        elif action == "replace":
            replacement = services.credential_replace(
                credential=credential, reason=reason, actor=request.user
            )
            messages.success(request, "A replacement is being signed; the revoked credential stays revoked.")
            return redirect("credentials:detail", credential_id=replacement.id)
        elif action == "withdraw":
            if credential.award is None:
                raise ValidationError("This credential is not of one award: there is no award to withdraw.")
            award_withdraw(award=credential.award, reason=reason, actor=request.user)
            messages.warning(
                request,
                f"{credential.award.achievement.human_code} ({credential.award.term_label}) was withdrawn "
                "and its credentials revoked.",
            )
    except ValidationError as exc:
        if action in IRREVERSIBLE:
            return _confirmation(request, credential, action, reason=reason, errors=exc.messages, status=400)
        messages.error(request, " ".join(exc.messages))
    return redirect("credentials:detail", credential_id=credential.id)
