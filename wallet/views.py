"""The learner's pages (their record, shares, imports) and the public share page. Logic lives in the
selectors and services; these views parse input and render."""

import json
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from credentials.companion_store import companion_pdf_store
from credentials.models import CredentialState, IssuedCredential
from credentials.verification import issued_credential_verify

from . import selectors, services
from .display import credential_view, verdict_summary
from .forms import DashboardFilterForm, ImportForm, ShareLinkForm, ShareRecipientCheckForm
from .models import ExternalCredential, ShareLink
from .verification import recipient_email_matches_every


def _or_404(getter, **kwargs):
    try:
        return getter(**kwargs)
    except (IssuedCredential.DoesNotExist, ShareLink.DoesNotExist, ExternalCredential.DoesNotExist):
        raise Http404("Not found.") from None
    except ValidationError:  # a malformed UUID
        raise Http404("Not found.") from None


def _qr_svg(url: str) -> str:
    svg = segno.make(url, error="m").svg_inline(scale=5, title="QR code of the share link")
    return svg.replace("<svg ", '<svg role="img" aria-label="QR code of the share link" ', 1)


# --- the record ---------------------------------------------------------------------------------


@require_GET
@login_required
def dashboard(request):
    filters = {
        "query": request.GET.get("q", "").strip()[:100],
        "category": request.GET.get("type", "")[:30],
        "term": request.GET.get("term", "")[:60],
        "skill": request.GET.get("skill", "")[:100],
    }
    record = selectors.wallet_dashboard(user=request.user, **filters)
    form = DashboardFilterForm(request.GET or None, facets=record.facets)
    return render(
        request, "wallet/dashboard.html", {"record": record, "form": form, "filtered": any(filters.values())}
    )


def linkedin_url(*, view, credential: IssuedCredential, cert_url: str | None) -> str:
    """LinkedIn's add-to-profile address for a certification."""
    issued = view.issue_date or credential.signed_at or credential.created_at
    params = {
        "startTask": "CERTIFICATION_NAME",
        "name": view.name or view.achievement_name,
        "organizationName": view.issuer.name or credential.institution.name,
        "issueYear": issued.year,
        "issueMonth": issued.month,
    }
    if view.expires:
        params.update(expirationYear=view.expires.year, expirationMonth=view.expires.month)
    if cert_url:
        params["certUrl"] = cert_url
    params["certId"] = str(credential.id)
    return "https://www.linkedin.com/profile/add?" + urlencode(params)


@require_GET
@login_required
def record(request, credential_id):
    credential = _or_404(selectors.own_credential, user=request.user, credential_id=credential_id)
    document = credential.document if credential.state == CredentialState.SIGNED else None
    view = credential_view(document) if document else None
    shares = selectors.active_shares_of_credential(user=request.user, credential=credential)
    share_url = services.share_link_url(share=shares[0]) if shares else None
    return render(
        request,
        "wallet/record.html",
        {
            "credential": credential,
            "view": view,
            "result": issued_credential_verify(credential=credential) if document else None,
            "share_url": share_url,
            "shares": shares,
            "linkedin_url": linkedin_url(view=view, credential=credential, cert_url=share_url)
            if view
            else "",
            "document_json": json.dumps(document, indent=2) if document else "",
        },
    )


@require_POST
@login_required
def record_share(request, credential_id):
    """One click: a link to just this record (for LinkedIn, a CV, an email)."""
    credential = _or_404(selectors.own_credential, user=request.user, credential_id=credential_id)
    try:
        services.share_link_create(
            owner=request.user,
            credentials=[credential],
            label=f"Link to {credential.name or 'one record'}",
            show_grades=request.POST.get("show_grades") == "on",
            include_name=request.POST.get("include_name") == "on",
            allow_pdf=request.POST.get("allow_pdf") == "on",
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "A share link to this record is ready. You can revoke it on “My shares”.")
    return redirect("wallet:record", credential_id=credential.id)


# --- share links (the owner's side) ---------------------------------------------------------------


def _share_choices(credentials):
    return [
        (
            str(c.id),
            f"{c.award.achievement.human_code} {c.award.achievement_version.name}"
            + (f" — {c.award.term}" if c.award.term else "")
            + f" ({c.institution.name})",
        )
        for c in credentials
    ]


@require_GET
@login_required
def shares(request):
    rows = [
        (share, services.share_link_url(share=share)) for share in selectors.shares_of_user(user=request.user)
    ]
    return render(request, "wallet/shares.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
@login_required
def share_new(request):
    shareable = selectors.shareable_credentials(user=request.user)
    choices = _share_choices(shareable)
    if request.method == "POST":
        form = ShareLinkForm(request.POST, choices=choices)
        if form.is_valid():
            chosen_ids = set(form.cleaned_data["credentials"])
            chosen = [c for c in shareable if form.cleaned_data["everything"] or str(c.id) in chosen_ids]
            try:
                share, _token = services.share_link_create(
                    owner=request.user,
                    credentials=chosen,
                    label=form.cleaned_data["label"],
                    expires_at=form.expires_at,
                    show_grades=form.cleaned_data["show_grades"],
                    include_name=form.cleaned_data["include_name"],
                    allow_pdf=form.cleaned_data["allow_pdf"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request, "Your share link is ready. Anyone with the link can see these records."
                )
                return redirect(share)
    else:
        form = ShareLinkForm(
            initial={
                "credentials": request.GET.getlist("credential"),
                "show_grades": True,
                "include_name": True,
                "allow_pdf": True,
            },
            choices=choices,
        )
    return render(request, "wallet/share_new.html", {"form": form, "shareable": shareable})


@require_GET
@login_required
def share_detail(request, share_id):
    share = _or_404(selectors.share_of_user, user=request.user, share_id=share_id)
    url = services.share_link_url(share=share)
    return render(
        request,
        "wallet/share_detail.html",
        {
            "share": share,
            "url": url,
            "qr_svg": _qr_svg(url) if url and share.is_active else "",
            "credentials": selectors.share_credentials(share=share),
            "clrs": list(share.clrs.all()),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def share_revoke(request, share_id):
    """Revoking asks first: the page says what happens, and only its POST with confirm=yes revokes."""
    share = _or_404(selectors.share_of_user, user=request.user, share_id=share_id)
    if not share.is_active:
        return redirect(share)
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        services.share_link_revoke(share=share, actor=request.user)
        messages.success(
            request, "The link is revoked: it no longer shows anything. Your credentials are unaffected."
        )
        return redirect(share)
    return render(
        request,
        "wallet/share_revoke_confirm.html",
        {"share": share, "credentials": selectors.share_credentials(share=share)},
    )


# --- the public share page --------------------------------------------------------------------------


def _private(response):
    # The token is in the address: keep it out of Referer headers, caches and search engines.
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _open_share(token) -> ShareLink:
    share = selectors.share_by_token(token=token)
    if share is None:
        raise Http404("No such share link.")
    return share


def _gone(request, share):
    return _private(render(request, "wallet/share_gone.html", {"share": share}, status=410))


@csrf_exempt  # the token page sends no Referer, so Origin is "null": ShareRecipientCheckForm protects it
@require_http_methods(["GET", "POST"])
def share_public(request, token):
    share = _open_share(token)
    if not share.is_active:
        return _gone(request, share)
    if request.method == "GET":  # a POST is the e-mail check of a page already counted
        services.share_link_record_view(share=share)
    verified: dict = {}  # per request: each credential is verified once
    states: dict = {}  # and each institution's state looked up once
    entries = []
    for credential in selectors.share_credentials(share=share):
        if credential.pk not in verified:
            verified[credential.pk] = issued_credential_verify(credential=credential, states=states)
        entries.append(
            {
                "credential": credential,
                "view": credential_view(credential.document),
                "result": verified[credential.pk],
            }
        )
    email_form = ShareRecipientCheckForm(request.POST or None, share=share)
    email_checked, email_match = False, None
    if request.method == "POST" and email_form.is_valid() and email_form.cleaned_data["recipient_email"]:
        email_checked = True
        email_match = recipient_email_matches_every(
            documents=[entry["credential"].document for entry in entries],
            email=email_form.cleaned_data["recipient_email"],
        )
    names = sorted({entry["credential"].learner.full_name for entry in entries}) if share.include_name else []
    institutions = list(
        {entry["credential"].institution_id: entry["credential"].institution for entry in entries}.values()
    )
    summary = verdict_summary(
        [(entry["view"].name or entry["credential"].name, entry["result"]) for entry in entries]
    )
    return _private(
        render(
            request,
            "wallet/share_public.html",
            {
                "share": share,
                "entries": entries,
                "clrs": list(share.clrs.all()),
                "token": token,
                "learner_names": names,
                "institutions": institutions,
                "summary": summary,
                "email_form": email_form,
                "email_checked": email_checked,
                "email_match": email_match,
                "email_hashed": any(entry["view"].recipient_email_hashed for entry in entries),
            },
        )
    )


def _share_clr(share, credential_id) -> IssuedCredential:
    clr = share.clrs.filter(pk=credential_id).first()
    if clr is None:
        raise Http404("No such credential in this share.")
    return clr


def _preparing(request, share, clr, token):
    response = render(
        request, "wallet/share_preparing.html", {"share": share, "clr": clr, "token": token}, status=202
    )
    response["Retry-After"] = "5"
    return _private(response)


@require_GET
def share_clr(request, token, credential_id):
    """The signed partial ClrCredential of the share, or a page saying it is being prepared."""
    share = _open_share(token)
    if not share.is_active:
        return _gone(request, share)
    clr = _share_clr(share, credential_id)
    if clr.state != CredentialState.SIGNED:
        return _preparing(request, share, clr, token)
    response = HttpResponse(json.dumps(clr.document, indent=2), content_type="application/ld+json")
    response["Content-Disposition"] = f'attachment; filename="clr-{clr.id}.json"'
    return _private(response)


@require_GET
def share_pdf(request, token, credential_id):
    """The PDF companion of the share's signed partial CLR, when its learner lets viewers download it.

    A GET that may write: if no worker has rendered the PDF yet, the first download renders and stores it.
    """
    share = _open_share(token)
    if not share.is_active:
        return _gone(request, share)
    if not share.allow_pdf:
        raise Http404("This share offers no PDF.")
    clr = _share_clr(share, credential_id)
    if clr.state == CredentialState.QUEUED:
        return _preparing(request, share, clr, token)
    # Imported here: WeasyPrint (22 MB) is loaded only by processes that render.
    from credentials.companion import CompanionError

    try:
        stored = companion_pdf_store(credential_id=clr.pk)
    except CompanionError:
        return _private(
            render(request, "wallet/share_pdf_unavailable.html", {"share": share, "token": token}, status=503)
        )
    if stored is None:  # the CLR could not be signed
        raise Http404("This record could not be prepared.")
    response = FileResponse(
        stored.pdf.open("rb"), as_attachment=True, filename=f"clr-{clr.id}.pdf",
        content_type="application/pdf",
    )  # fmt: skip
    response["X-Content-Type-Options"] = "nosniff"
    return _private(response)


# --- imports -------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def imports(request):
    error_details: list[str] = []
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                external = services.external_credential_import(
                    owner=request.user, data=upload.read(), original_name=upload.name
                )
            except services.AlreadyInRecord as exc:
                messages.info(request, exc.message)
                return redirect("wallet:record", credential_id=exc.credential.id)
            except ValidationError as exc:
                form.add_error("file", exc)
                error_details = services.import_error_details(exc)
            else:
                if not external.is_kept:
                    messages.warning(
                        request, "This credential did not verify. It is not kept unless you confirm."
                    )
                else:
                    messages.success(request, f"Imported: {external.get_verdict_display()}.")
                return redirect(external)
    else:
        form = ImportForm()
    kept = [e for e in selectors.imports_of_user(user=request.user) if e.is_kept]
    return render(
        request,
        "wallet/imports.html",
        {"form": form, "imports": kept, "import_error_details": error_details},
    )


@require_GET
@login_required
def import_detail(request, import_id):
    external = _or_404(selectors.import_of_user, user=request.user, import_id=import_id)
    return render(
        request,
        "wallet/import_detail.html",
        {
            "external": external,
            "view": credential_view(external.document),
            "result": external.verification,
            "document_json": json.dumps(external.document, indent=2),
        },
    )


@require_POST
@login_required
def import_confirm(request, import_id):
    external = _or_404(selectors.import_of_user, user=request.user, import_id=import_id)
    services.external_credential_confirm(external=external, actor=request.user)
    messages.warning(request, "Kept, and flagged as not valid wherever it appears.")
    return redirect(external)


@require_POST
@login_required
def import_delete(request, import_id):
    external = _or_404(selectors.import_of_user, user=request.user, import_id=import_id)
    services.external_credential_delete(external=external, actor=request.user)
    messages.success(request, "The imported credential is removed from your record.")
    return redirect("wallet:imports")
