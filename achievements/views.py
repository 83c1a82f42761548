"""Registrar pages: catalog, learners' records, SIS imports. Every query is scoped by request.institution."""

import json

from django.contrib import messages
from django.core.exceptions import BadRequest, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from institutions.models import Role
from institutions.permissions import institution_role_required
from institutions.services import audit_record
from vc.documents import ALIGNMENT_TARGET_TYPES, RESULT_TYPES
from vc.errors import VcError

from . import claims, selectors, services
from .forms import (
    AchievementForm,
    AlignmentFormSet,
    AssociationForm,
    AwardForm,
    ImportUploadForm,
    LearnerForm,
    ResultDescriptionFormSet,
    WithdrawForm,
    alignment_data,
    alignment_initial,
    result_description_data,
    result_description_initial,
)
from .imports import background
from .models import (
    Achievement,
    Association,
    Award,
    ImportRun,
    ImportStatus,
    Learner,
)

REGISTRARS = (Role.REGISTRAR, Role.ADMIN)
PAGE_SIZE = 50


def _private_file_response(stored, *, file_name: str) -> FileResponse:
    """A private file as a download: never rendered by the browser, never kept by a shared cache."""
    response = FileResponse(stored, as_attachment=True, filename=file_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _achievement_or_404(request, achievement_id) -> Achievement:
    try:
        return selectors.achievement_get(institution=request.institution, achievement_id=achievement_id)
    except Achievement.DoesNotExist:
        raise Http404("No such achievement in this catalog.") from None


def _learner_or_404(request, learner_id) -> Learner:
    try:
        return selectors.learner_get(institution=request.institution, learner_id=learner_id)
    except Learner.DoesNotExist:
        raise Http404("No such learner at this institution.") from None


@require_GET
@institution_role_required(*REGISTRARS)
def catalog(request):
    query = request.GET.get("q", "").strip()
    achievement_type = request.GET.get("type", "")
    field_of_study = request.GET.get("field", "")
    include_retired = request.GET.get("retired") == "1"
    achievements = selectors.achievements_for_catalog(
        institution=request.institution,
        query=query,
        achievement_type=achievement_type,
        field_of_study=field_of_study,
        include_retired=include_retired,
    )
    page = Paginator(achievements, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "achievements/catalog.html",
        {
            "institution": request.institution,
            "page": page,
            "query": query,
            "type": achievement_type,
            "field": field_of_study,
            "retired": include_retired,
            "facets": selectors.catalog_facets(institution=request.institution),
        },
    )


def _formsets(request, version=None):
    data = request.POST if request.method == "POST" else None
    alignments = AlignmentFormSet(
        data, prefix="alignments", initial=alignment_initial(version) if version else None
    )
    descriptions = ResultDescriptionFormSet(
        data, prefix="results", initial=result_description_initial(version) if version else None
    )
    return alignments, descriptions


def _form_page(request, *, form, alignments, descriptions, achievement=None, status=200):
    return render(
        request,
        "achievements/achievement_form.html",
        {
            "institution": request.institution,
            "achievement": achievement,
            "form": form,
            "alignments": alignments,
            "descriptions": descriptions,
            "alignment_types": ALIGNMENT_TARGET_TYPES,
            "result_types": RESULT_TYPES,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@institution_role_required(*REGISTRARS)
def achievement_create(request):
    form = AchievementForm(request.POST or None, request.FILES or None, institution=request.institution)
    alignments, descriptions = _formsets(request)
    if request.method == "POST":
        if form.is_valid() and alignments.is_valid() and descriptions.is_valid():
            try:
                achievement = services.achievement_create(
                    institution=request.institution,
                    human_code=form.cleaned_data["human_code"],
                    fields=form.version_fields(),
                    alignments=[alignment_data(d) for d in alignments.data_list()],
                    result_descriptions=[result_description_data(d) for d in descriptions.data_list()],
                    actor=request.user,
                )
            except ValidationError as error:
                _attach(form, error)
            else:
                messages.success(request, f"{achievement.human_code} was added to the catalog.")
                return redirect(achievement.get_absolute_url())
        messages.error(request, "The achievement was not saved: please correct the fields marked below.")
        return _form_page(request, form=form, alignments=alignments, descriptions=descriptions, status=400)
    return _form_page(request, form=form, alignments=alignments, descriptions=descriptions)


def _attach(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


@require_http_methods(["GET", "POST"])
@institution_role_required(*REGISTRARS)
def achievement_edit(request, achievement_id):
    achievement = _achievement_or_404(request, achievement_id)
    version = selectors.version_with_details(version_id=achievement.current_version_id)
    form = AchievementForm(
        request.POST or None,
        request.FILES or None,
        institution=request.institution,
        achievement=achievement,
        instance=version,
    )
    alignments, descriptions = _formsets(request, version)
    if request.method == "POST":
        if form.is_valid() and alignments.is_valid() and descriptions.is_valid():
            try:
                saved = services.achievement_update(
                    achievement=achievement,
                    human_code=form.cleaned_data["human_code"],
                    retired=form.cleaned_data["retired"],
                    fields=form.version_fields(),
                    alignments=[alignment_data(d) for d in alignments.data_list()],
                    result_descriptions=[result_description_data(d) for d in descriptions.data_list()],
                    new_version=form.cleaned_data["new_version"],
                    actor=request.user,
                )
            except ValidationError as error:
                _attach(form, error)
            else:
                if saved.pk != version.pk:
                    messages.success(
                        request,
                        f"Saved as version {saved.number}: awards of version {version.number} keep it.",
                    )
                else:
                    messages.success(request, f"{achievement.human_code} was saved.")
                return redirect(achievement.get_absolute_url())
        messages.error(request, "The achievement was not saved: please correct the fields marked below.")
        return _form_page(
            request,
            form=form,
            alignments=alignments,
            descriptions=descriptions,
            achievement=achievement,
            status=400,
        )
    return _form_page(
        request, form=form, alignments=alignments, descriptions=descriptions, achievement=achievement
    )


@require_GET
@institution_role_required(*REGISTRARS)
def achievement_detail(request, achievement_id):
    achievement = _achievement_or_404(request, achievement_id)
    version = selectors.version_with_details(version_id=achievement.current_version_id)
    try:
        document = json.dumps(selectors.achievement_version_json(version=version), indent=2)
    except VcError as error:
        document = None
        messages.warning(request, f"This achievement cannot be issued yet: {error.reason}")
    return render(
        request,
        "achievements/achievement_detail.html",
        {
            "institution": request.institution,
            "achievement": achievement,
            "version": version,
            "versions": achievement.versions.order_by("-number"),
            "associations": selectors.achievement_associations(achievement=achievement),
            "award_count": selectors.achievement_award_count(achievement=achievement),
            "association_form": AssociationForm(achievement=achievement),
            "document": document,
        },
    )


@require_POST
@institution_role_required(*REGISTRARS)
def association_create(request, achievement_id):
    achievement = _achievement_or_404(request, achievement_id)
    form = AssociationForm(request.POST, achievement=achievement)
    if not form.is_valid():
        messages.error(request, "Choose an association type and an achievement of this catalog.")
        return redirect(achievement.get_absolute_url())
    try:
        services.association_create(
            source=achievement,
            target=form.cleaned_data["target"],
            association_type=form.cleaned_data["association_type"],
            actor=request.user,
        )
    except ValidationError as error:
        messages.error(request, "The association was not added: " + " ".join(error.messages))
    else:
        messages.success(request, "The association was added.")
    return redirect(achievement.get_absolute_url())


@require_POST
@institution_role_required(*REGISTRARS)
def association_delete(request, achievement_id, association_id):
    achievement = _achievement_or_404(request, achievement_id)
    association = get_object_or_404(Association, institution=request.institution, pk=association_id)
    services.association_delete(association=association, actor=request.user)
    messages.success(request, "The association was removed.")
    return redirect(achievement.get_absolute_url())


@require_GET
@institution_role_required(*REGISTRARS)
def learners(request):
    query = request.GET.get("q", "").strip()
    found = selectors.learners_search(institution=request.institution, query=query)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "achievements/learners.html",
        {
            "institution": request.institution,
            "page": page,
            "query": query,
            "unclaimed_count": claims.learners_invitable(
                Learner.objects.filter(institution=request.institution)
            ).count(),
        },
    )


@require_POST
@institution_role_required(*REGISTRARS)
def learners_invite(request):
    """Invite one learner (`learner`), or every learner who has not claimed their record (`all`)."""
    learners = Learner.objects.filter(institution=request.institution)
    if request.POST.get("all") != "yes":
        learner_id = request.POST.get("learner", "")
        if not learner_id:
            raise BadRequest("Choose a learner to invite, or invite them all.")
        learners = learners.filter(pk=int(learner_id) if learner_id.isdigit() and len(learner_id) < 12 else 0)
        if not learners.exists():
            raise Http404("No such learner.")
    invited = claims.learner_invitations_queue(learners=learners, actor=request.user)
    if invited:
        messages.success(request, f"{invited} invitation{pluralize(invited)} to claim a record will be sent.")
    else:
        messages.info(request, "No invitation was sent: each learner chosen has claimed or has no address.")
    if request.POST.get("all") != "yes":
        return redirect(learners.get().get_absolute_url())
    return redirect(reverse("achievements:learners", args=[request.institution.slug]))


@require_GET
@institution_role_required(*REGISTRARS)
def learner_detail(request, learner_id):
    learner = _learner_or_404(request, learner_id)
    return _learner_page(request, learner)


def _learner_page(request, learner, *, award_form=None, learner_form=None, status=200):
    return render(
        request,
        "achievements/learner_detail.html",
        {
            "institution": request.institution,
            "learner": learner,
            "terms": selectors.awards_for_learner(learner=learner),
            "award_form": award_form or AwardForm(institution=request.institution),
            "learner_form": learner_form or LearnerForm(instance=learner),
            "open_form": "award" if award_form else "learner" if learner_form else "",
        },
        status=status,
    )


@require_POST
@institution_role_required(*REGISTRARS)
def award_add(request, learner_id):
    learner = _learner_or_404(request, learner_id)
    form = AwardForm(request.POST, request.FILES, institution=request.institution)
    if form.is_valid():
        data = form.cleaned_data
        try:
            award = services.award_create(
                learner=learner,
                achievement=data["achievement"],
                term=data["term"].strip(),
                result=data["result"],
                result_status=data["result_status"],
                credits_earned=data["credits_earned"],
                activity_start_date=data["activity_start_date"],
                activity_end_date=data["activity_end_date"],
                awarded_date=data["awarded_date"],
                evidence=form.evidence(),
                actor=request.user,
            )
        except ValidationError as error:
            _attach(form, error)
        else:
            messages.success(request, f"{award.achievement.human_code} was recorded for {learner.full_name}.")
            return redirect(learner.get_absolute_url())
    messages.error(request, "The award was not recorded: please correct the fields marked below.")
    return _learner_page(request, learner, award_form=form, status=400)


@require_POST
@institution_role_required(*REGISTRARS)
def learner_edit(request, learner_id):
    learner = _learner_or_404(request, learner_id)
    form = LearnerForm(request.POST, instance=learner)
    if form.is_valid():
        services.learner_save(learner=form.save(commit=False), actor=request.user)
        messages.success(request, "The learner's profile was saved.")
        return redirect(learner.get_absolute_url())
    messages.error(request, "The profile was not saved: please correct the fields marked below.")
    return _learner_page(request, _learner_or_404(request, learner_id), learner_form=form, status=400)


@require_POST
@institution_role_required(*REGISTRARS)
def award_withdraw(request, award_id):
    award = get_object_or_404(Award, institution=request.institution, pk=award_id)
    form = WithdrawForm(request.POST)
    if request.POST.get("confirm") != "yes":
        messages.error(request, "Nothing was withdrawn: tick the box to confirm what withdrawing does.")
    elif not form.is_valid():
        messages.error(request, "Say why the award is withdrawn: the reason is kept in its history.")
    else:
        try:
            services.award_withdraw(award=award, reason=form.cleaned_data["reason"], actor=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.warning(request, f"{award.achievement.human_code} ({award.term_label}) was withdrawn.")
    return redirect(award.learner.get_absolute_url())


@require_http_methods(["GET", "POST"])
@institution_role_required(*REGISTRARS)
def import_upload(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        # A worker checks the file; the preview page shows how far it got.
        run = background.import_upload(
            institution=request.institution, upload=form.cleaned_data["file"], actor=request.user
        )
        if run.status != ImportStatus.REJECTED:
            return redirect("achievements:import_preview", slug=request.institution.slug, run_id=run.pk)
        # Beyond a bound seen at once (a zip bomb): said on the form; the run stays listed as rejected.
        form.add_error("file", " ".join(problem["message"] for problem in run.problems))
    return render(
        request,
        "achievements/import_upload.html",
        {
            "institution": request.institution,
            "form": form,
            "runs": ImportRun.objects.filter(institution=request.institution)[:20],
        },
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "POST"])
@institution_role_required(*REGISTRARS)
def import_preview(request, run_id):
    run = get_object_or_404(ImportRun, institution=request.institution, pk=run_id)
    if request.method == "POST":
        valid_only = request.POST.get("mode") == "valid_only"
        if not background.import_confirm(run=run, valid_only=valid_only, actor=request.user):
            messages.error(request, "This file was already handled: upload it again to import it.")
        return redirect("achievements:import_preview", slug=request.institution.slug, run_id=run.pk)
    return render(
        request,
        "achievements/import_preview.html",
        {
            "institution": request.institution,
            "run": run,
            "blocking": [problem for problem in run.problems if problem.get("blocking")],
            "more_problems": run.problem_count - len(run.problems),
            "progress": background.progress_of(run) if run.in_progress else None,
        },
    )


@require_GET
@institution_role_required(*REGISTRARS)
def import_file(request, run_id):
    run = selectors.import_run_with_file(institution=request.institution, run_id=run_id)
    if run is None:
        raise Http404("No such import file at this institution.")
    # The SIS file holds names, e-mails and grades: who downloaded it is kept.
    audit_record(
        actor=request.user, action="records.file_downloaded", institution=run.institution,
        target=run.original_name, run=run.pk,
    )  # fmt: skip
    return _private_file_response(run.file.open("rb"), file_name=run.original_name)


@require_GET
@institution_role_required(*REGISTRARS)
def import_changes(request, run_id):
    run = get_object_or_404(ImportRun, institution=request.institution, pk=run_id)
    if not run.changes_file:
        raise Http404("This import has no list of changes.")
    audit_record(
        actor=request.user, action="records.changes_downloaded", institution=run.institution,
        target=run.original_name, run=run.pk,
    )  # fmt: skip
    stem = run.original_name.rsplit(".", 1)[0]
    return _private_file_response(run.changes_file.open("rb"), file_name=f"{stem}-changes.csv")


@require_GET
def evidence_file(request, evidence_id, file_name):
    """An evidence file, to whoever has its capability URL (the credential it supports carries it), until
    the award is withdrawn: then 410, as its credentials are revoked (a record in error stops showing)."""
    evidence = selectors.evidence_for_file_url(evidence_id=evidence_id, file_name=file_name)
    if evidence is None:
        raise Http404("No such evidence file.")
    if evidence.award.withdrawn_at is not None:
        response = render(request, "achievements/evidence_gone.html", {"award": evidence.award}, status=410)
        response["Cache-Control"] = "private, no-store"
        return response
    return _private_file_response(evidence.file.open("rb"), file_name=evidence.file_name)
