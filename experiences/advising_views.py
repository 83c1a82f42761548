"""Advisors' and admins' pages: the queue, an experience's review and decisions, assignments, the policy.

Every experience is looked up through `selectors.experience_for_staff`: an advisor reaches only their
assigned students' experiences (never their own), an admin every one of the institution; anything else
is a 404, on GET and POST alike. Decisions are the services'; a refusal shows the review page again with
the reason (400 for a form to correct, 409 for an action the experience's state does not allow).
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from institutions.models import Role
from institutions.permissions import institution_role_required

from . import selectors, services
from .advising_forms import (
    AnnotationForm,
    AssignForm,
    AssignmentsUploadForm,
    DeclineForm,
    LevelFormSet,
    PolicyForm,
    PreferenceForm,
    RequestChangesForm,
    SupervisorAskForm,
    UnverifyForm,
    VerifyForm,
    advisors_of,
    competencies_of,
)
from .assignments import MAX_BYTES, AssignmentsFileRefused
from .assignments import assignments_import as assignments_csv_apply
from .models import (
    EDITABLE_STATES,
    REVIEW_STATES,
    AdvisorAssignment,
    AdvisorPreference,
    Category,
    CompetencyLevel,
    Experience,
    ExperiencePolicy,
    State,
    Visibility,
)

STAFF = (Role.ADMIN, Role.ADVISOR)
PAGE_SIZE = 50
WAITING = "waiting"
# The queue's tabs: what waits for a decision (the default), then each state an advisor follows.
TABS = (
    (WAITING, "Waiting for a decision", REVIEW_STATES),
    (State.SUBMITTED, State.SUBMITTED.label, (State.SUBMITTED,)),
    (State.AWAITING_SUPERVISOR, State.AWAITING_SUPERVISOR.label, (State.AWAITING_SUPERVISOR,)),
    (State.CHANGES_REQUESTED, State.CHANGES_REQUESTED.label, (State.CHANGES_REQUESTED,)),
    (State.VERIFIED, State.VERIFIED.label, (State.VERIFIED,)),
    (State.DECLINED, State.DECLINED.label, (State.DECLINED,)),
    (State.EXPIRED, State.EXPIRED.label, (State.EXPIRED,)),
)
TAB_STATES = {key: states for key, _label, states in TABS}


def _experience_or_404(request, experience_id) -> Experience:
    try:
        return selectors.experience_for_staff(
            institution=request.institution,
            user=request.user,
            roles=request.roles,
            experience_id=experience_id,
        )
    except Experience.DoesNotExist:
        raise Http404("No such experience among those you advise.") from None


def _bad_request(request, message: str):
    return render(request, "errors/400.html", {"message": message}, status=400)


def _preference_form(request) -> PreferenceForm:
    preference = AdvisorPreference.objects.filter(user=request.user, institution=request.institution).first()
    return PreferenceForm(
        initial={"notify": preference.notify if preference else AdvisorPreference.Notify.EACH}
    )


# --- the queue ----------------------------------------------------------------------------------------


@require_GET
@institution_role_required(*STAFF)
def queue(request):
    tab = request.GET.get("state") or WAITING
    category = request.GET.get("category", "")
    query = request.GET.get("q", "").strip()[:100]
    if tab not in TAB_STATES:
        return _bad_request(request, "There is no such state to filter the queue by.")
    if category and category not in Category.values:
        return _bad_request(request, "There is no such category to filter the queue by.")
    try:
        number = max(int(request.GET.get("page") or 1), 1)
    except ValueError:
        number = 1
    arguments = {
        "institution": request.institution, "user": request.user, "roles": request.roles,
        "states": TAB_STATES[tab], "category": category, "learner_query": query, "limit": PAGE_SIZE,
    }  # fmt: skip
    found = selectors.advisor_queue(**arguments, offset=(number - 1) * PAGE_SIZE)
    page = Paginator(range(found.count), PAGE_SIZE).get_page(number)
    if page.number != number:  # past the last page: show the last one
        found = selectors.advisor_queue(**arguments, offset=(page.number - 1) * PAGE_SIZE)
    counts = found.counts_by_state
    tabs = [
        {
            "key": key,
            "label": label,
            "count": sum(counts.get(state, 0) for state in states),
            "current": key == tab,
        }
        for key, label, states in TABS
    ]
    return render(
        request,
        "experiences/advising/queue.html",
        {
            "institution": request.institution,
            "experiences": found.experiences,
            "page": page,
            "count": found.count,
            "tabs": tabs,
            "tab": tab,
            "category": category,
            "categories": Category.choices,
            "query": query,
            "is_admin": Role.ADMIN in request.roles,
            "is_advisor": Role.ADVISOR in request.roles,
            "preference_form": _preference_form(request),
        },
    )


@require_POST
@institution_role_required(*STAFF)
def preferences(request):
    form = PreferenceForm(request.POST)
    if not form.is_valid():
        return _bad_request(
            request, "Nothing was saved: choose an e-mail for each submission or a daily digest."
        )
    preference = form.save(user=request.user, institution=request.institution)
    messages.success(request, f"Saved: {preference.get_notify_display().lower()}.")
    return redirect("advising:queue", slug=request.institution.slug)


# --- one experience -----------------------------------------------------------------------------------


def _review(request, experience: Experience, *, status: int = 200, refused: str = "", **forms):
    """The review page; `forms` replaces the blank forms with bound ones (to show their errors)."""
    forms = {
        "annotation_form": AnnotationForm(),
        "verify_form": VerifyForm(experience=experience),
        "changes_form": RequestChangesForm(),
        "decline_form": DeclineForm(),
        "supervisor_form": SupervisorAskForm(),
        "unverify_form": UnverifyForm(),
        **forms,
    }
    open_form = next((name for name, form in forms.items() if form.is_bound), "")
    return render(
        request,
        "experiences/advising/review.html",
        {
            "institution": request.institution,
            "experience": experience,
            "claimed": list(experience.competencies.select_related("current_version")),
            "ratings": list(experience.ratings.select_related("competency__current_version", "level")),
            "hours_log": list(experience.hours_log.all()),
            "evidence": list(experience.evidence.all()),
            "supervisor_requests": list(experience.supervisor_requests.select_related("requested_by")),
            "annotations": list(experience.annotations.select_related("author")),
            "events": _with_change_lines(selectors.timeline(experience=experience, include_internal=True)),
            "is_admin": Role.ADMIN in request.roles,
            "is_own": experience.learner.user_id is not None
            and experience.learner.user_id == request.user.pk,
            "in_review": experience.state in REVIEW_STATES,
            "can_ask_supervisor": experience.state in (*EDITABLE_STATES, *REVIEW_STATES),
            "can_reopen": Role.ADMIN in request.roles and experience.state in (State.EXPIRED, State.DECLINED),
            "refused": refused,
            "open_form": open_form,
            "Visibility": Visibility,
            **forms,
        },
        status=status,
    )


def _shown(value, field: str = "") -> str:
    if field == "state" and value in State.values:
        return State(value).label
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def _with_change_lines(events):
    """Each event with its changes as (field, previous value, new value) for the page."""
    for event in events:
        event.change_lines = [
            (field.replace("_", " "), _shown(change.get("from"), field), _shown(change.get("to"), field))
            for field, change in (event.changes or {}).items()
            if isinstance(change, dict)
        ]
    return events


def _refused(request, experience, error: services.ExperienceRefused, form_name: str, form):
    """The page again with the service's reason: 400 for a field to correct, 409 for the state."""
    status = 400 if hasattr(error, "error_dict") else 409
    if hasattr(error, "error_dict"):
        for field, problems in error.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
    experience.refresh_from_db()
    return _review(request, experience, status=status, refused=" ".join(error.messages), **{form_name: form})


def _invalid(request, experience, form_name: str, form):
    return _review(
        request, experience, status=400, refused="Nothing was changed: see below.", **{form_name: form}
    )


def _done(request, experience, message: str):
    messages.success(request, message)
    return redirect("advising:review", slug=request.institution.slug, experience_id=experience.uuid)


@require_GET
@institution_role_required(*STAFF)
def review(request, experience_id):
    return _review(request, _experience_or_404(request, experience_id))


@require_POST
@institution_role_required(*STAFF)
def annotate(request, experience_id):
    experience = _experience_or_404(request, experience_id)
    form = AnnotationForm(request.POST)
    if not form.is_valid():
        return _invalid(request, experience, "annotation_form", form)
    try:
        annotation = services.annotation_add(
            experience=experience, author=request.user, text=form.cleaned_data["text"],
            visibility=form.cleaned_data["visibility"],
        )  # fmt: skip
    except services.ExperienceRefused as error:
        return _refused(request, experience, error, "annotation_form", form)
    return _done(request, experience, f"Note added ({annotation.get_visibility_display().lower()}).")


@require_POST
@institution_role_required(*STAFF)
def verify(request, experience_id):
    experience = _experience_or_404(request, experience_id)
    form = VerifyForm(request.POST, experience=experience)
    if not form.is_valid():
        return _invalid(request, experience, "verify_form", form)
    try:
        services.experience_verify(
            experience=experience, actor=request.user, hours=form.hours_value,
            ratings=form.cleaned_data["ratings"], comment=form.cleaned_data["comment"],
        )  # fmt: skip
    except services.ExperienceRefused as error:
        return _refused(request, experience, error, "verify_form", form)
    return _done(request, experience, "Verified: the credential is being issued and the student is told.")


def _act(request, experience_id, *, form_class, form_name: str, act, done):
    """A decision's POST: the form, then the service (`act`); a refusal shows the review page again."""
    experience = _experience_or_404(request, experience_id)
    form = form_class(request.POST)
    if not form.is_valid():
        return _invalid(request, experience, form_name, form)
    try:
        result = act(experience, form.cleaned_data)
    except services.ExperienceRefused as error:
        return _refused(request, experience, error, form_name, form)
    return _done(request, experience, done(result))


@require_POST
@institution_role_required(*STAFF)
def request_changes(request, experience_id):
    return _act(
        request, experience_id, form_class=RequestChangesForm, form_name="changes_form",
        act=lambda experience, data: services.experience_request_changes(
            experience=experience, actor=request.user, comment=data["comment"]
        ),
        done=lambda _: "Changes requested: the student is told what to change.",
    )  # fmt: skip


@require_POST
@institution_role_required(*STAFF)
def decline(request, experience_id):
    return _act(
        request, experience_id, form_class=DeclineForm, form_name="decline_form",
        act=lambda experience, data: services.experience_decline(
            experience=experience, actor=request.user, reason=data["reason"]
        ),
        done=lambda _: "Declined: the student is told why.",
    )  # fmt: skip


@require_POST
@institution_role_required(*STAFF)
def supervisor_ask(request, experience_id):
    return _act(
        request, experience_id, form_class=SupervisorAskForm, form_name="supervisor_form",
        act=lambda experience, data: services.supervisor_request_create(
            experience=experience, email=data["email"], name=data["name"], actor=request.user
        ),
        done=lambda supervisor: f"A link is on its way to {supervisor.email}.",
    )  # fmt: skip


@require_POST
@institution_role_required(*STAFF)
def unverify(request, experience_id):
    experience = _experience_or_404(request, experience_id)
    form = UnverifyForm(request.POST)
    if not form.is_valid():
        return _invalid(request, experience, "unverify_form", form)
    try:
        services.experience_unverify(
            experience=experience, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except services.ExperienceRefused as error:
        return _refused(request, experience, error, "unverify_form", form)
    return _done(request, experience, "The verification was undone: the credential is revoked.")


@require_POST
@institution_role_required(Role.ADMIN)
def reopen(request, experience_id):
    experience = _experience_or_404(request, experience_id)
    try:
        services.experience_reopen(experience=experience, actor=request.user)
    except services.ExperienceRefused as error:
        experience.refresh_from_db()
        return _review(request, experience, status=409, refused=" ".join(error.messages))
    return _done(request, experience, "Reopened: the student can edit and submit it again.")


# --- assignments (admins) -----------------------------------------------------------------------------


def _assignments_page(request, *, assign_form=None, upload_form=None, report=None, status=200):
    institution = request.institution
    advisor_id = request.GET.get("advisor", "")
    query = request.GET.get("q", "").strip()[:100]
    advisors = list(
        advisors_of(institution).annotate(
            students=Count("advisees", filter=Q(advisees__institution=institution), distinct=True)
        )
    )
    assignments = AdvisorAssignment.objects.filter(institution=institution).select_related(
        "advisor", "learner"
    )
    if advisor_id.isdigit():
        assignments = assignments.filter(advisor_id=int(advisor_id))
    for word in query.split()[:5]:
        assignments = assignments.filter(
            Q(learner__student_id__iexact=word)
            | Q(learner__given_name__icontains=word)
            | Q(learner__family_name__icontains=word)
        )
    page = Paginator(assignments, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "experiences/advising/assignments.html",
        {
            "institution": institution,
            "advisors": advisors,
            "page": page,
            "advisor_id": advisor_id,
            "query": query,
            "assign_form": assign_form or AssignForm(institution=institution),
            "upload_form": upload_form or AssignmentsUploadForm(),
            "report": report,
            "max_megabytes": MAX_BYTES // (1024 * 1024),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@institution_role_required(Role.ADMIN)
def assignments(request):
    if request.method == "GET":
        return _assignments_page(request)
    form = AssignForm(request.POST, institution=request.institution)
    if not form.is_valid():
        return _assignments_page(request, assign_form=form, status=400)
    learner = form.cleaned_data["learner"]
    try:
        _assignment, created = services.advisor_assign(
            institution=request.institution, advisor=form.cleaned_data["advisor"], learner=learner,
            actor=request.user,
        )  # fmt: skip
    except services.ExperienceRefused as error:
        form.add_error(None, error.messages)
        return _assignments_page(request, assign_form=form, status=400)
    advisor = form.cleaned_data["advisor"]
    if created:
        messages.success(request, f"{advisor} now advises {learner.full_name} ({learner.student_id}).")
    else:
        messages.info(request, f"{advisor} already advised {learner.full_name} ({learner.student_id}).")
    return redirect("advising:assignments", slug=request.institution.slug)


@require_POST
@institution_role_required(Role.ADMIN)
def assignment_remove(request, assignment_id):
    assignment = get_object_or_404(
        AdvisorAssignment.objects.select_related("advisor", "learner", "institution"),
        institution=request.institution,
        pk=assignment_id,
    )
    if request.POST.get("confirm") != "yes":
        messages.error(request, "Nothing was removed: tick the box to confirm.")
        return _assignments_page(request, status=400)
    services.advisor_unassign(assignment=assignment, actor=request.user)
    learner = assignment.learner
    messages.warning(
        request,
        f"{assignment.advisor} no longer advises {learner.full_name} ({learner.student_id}).",
    )
    return redirect("advising:assignments", slug=request.institution.slug)


@require_POST
@institution_role_required(Role.ADMIN)
def assignments_import(request):
    form = AssignmentsUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _assignments_page(request, upload_form=form, status=400)
    upload = form.cleaned_data["file"]
    try:
        if upload.size > MAX_BYTES:
            raise AssignmentsFileRefused(
                f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB: split it into smaller files."
            )
        report = assignments_csv_apply(
            institution=request.institution, data=upload.read(MAX_BYTES + 1), actor=request.user
        )
    except AssignmentsFileRefused as refused:
        form.add_error("file", str(refused))
        return _assignments_page(request, upload_form=form, status=400)
    summary = (
        f"{report.created} assignment{pluralize(report.created)} created, {report.already} already there, "
        f"{report.error_count} line{pluralize(report.error_count)} with errors."
    )
    (messages.warning if report.error_count else messages.success)(request, summary)
    return _assignments_page(request, report=report, status=200)


# --- the policy and the rubric (admins) ---------------------------------------------------------------


def _policy_page(request, *, policy_form=None, levels=None, status=200):
    institution = request.institution
    # Shown unsaved when the institution has none yet: a GET writes nothing.
    policy = ExperiencePolicy.objects.filter(institution=institution).first() or ExperiencePolicy(
        institution=institution
    )
    return render(
        request,
        "experiences/advising/policy.html",
        {
            "institution": institution,
            "policy_form": policy_form or PolicyForm(instance=policy),
            "levels": levels or LevelFormSet(institution=institution, prefix="levels"),
            "competencies": list(competencies_of(institution)),
            "has_levels": CompetencyLevel.objects.filter(institution=institution).exists(),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@institution_role_required(Role.ADMIN)
def policy(request):
    if request.method == "GET":
        return _policy_page(request)
    action = request.POST.get("action", "")
    if action == "policy":
        form = PolicyForm(request.POST, instance=services.policy_for(request.institution))
        if not form.is_valid():
            return _policy_page(request, policy_form=form, status=400)
        form.save_by(actor=request.user)
        messages.success(request, "The experience policy was saved.")
    elif action == "levels":
        levels = LevelFormSet(request.POST, institution=request.institution, prefix="levels")
        if not levels.is_valid():
            return _policy_page(request, levels=levels, status=400)
        levels.save_by(actor=request.user)
        messages.success(request, "The rubric levels were saved.")
    elif action == "seed":
        added = services.competency_rubric_seed(institution=request.institution, actor=request.user)
        if added:
            messages.success(request, "The NACE career-readiness competencies and four levels were added.")
        else:
            messages.info(request, "Nothing to add: the NACE competencies and the levels are there already.")
    else:
        return _bad_request(request, "Nothing was saved: the form sent no known action.")
    return redirect("advising:policy", slug=request.institution.slug)
