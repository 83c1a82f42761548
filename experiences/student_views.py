"""The student's pages of their own experiences: record, edit, log hours, add evidence, name a supervisor,
submit, and follow what happens.

Every experience is looked up through `selectors.experience_of_user`: someone else's is a 404. The student
sees what they wrote, the advisor's shared notes and the shared lines of the timeline, never an internal one.
Refusals (an action the experience's state does not allow) say why, with status 409, and change nothing.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.forms.models import model_to_dict
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from achievements.models import Learner
from credentials.models import IssuedCredential
from institutions.models import Membership

from . import selectors, services
from .models import (
    OPEN_STATES,
    Experience,
    ExperienceEvidence,
    ExperiencePolicy,
    State,
    Visibility,
)
from .student_forms import EvidenceForm, ExperienceForm, HoursEntryForm, SupervisorForm

# The list's groups, what needs the student first.
STATE_ORDER = (
    State.CHANGES_REQUESTED,
    State.DRAFT,
    State.AWAITING_SUPERVISOR,
    State.SUBMITTED,
    State.VERIFIED,
    State.DECLINED,
    State.EXPIRED,
)

# What happens next, in each state, as the student reads it.
NEXT_STEP = {
    State.DRAFT: "Only you can see it. Add your hours and evidence, then submit it: your advisor reviews it.",
    State.SUBMITTED: "Your advisor reviews it and verifies it, asks you for changes or declines it. "
    "You cannot edit it in the meantime.",
    State.AWAITING_SUPERVISOR: "Your supervisor has been e-mailed a link to confirm it. Once they answer, "
    "it goes to your advisor.",
    State.CHANGES_REQUESTED: "Your advisor asked for changes (their note is below). Edit it, then submit it "
    "again.",
    State.VERIFIED: "It is verified: it is in your record as a credential signed by {institution}.",
    State.DECLINED: "Your advisor declined it; the reason is in its history below.",
    State.EXPIRED: "It was not decided by {institution}'s deadline. Ask your advisor whether it can be "
    "reopened.",
}


def _learners(user) -> list[Learner]:
    """The student's claimed records, one per institution that knows them."""
    return list(Learner.objects.filter(user=user).select_related("institution").order_by("institution__name"))


def _own_or_404(request, experience_id) -> Experience:
    try:
        return selectors.experience_of_user(user=request.user, experience_id=experience_id)
    except Experience.DoesNotExist:
        raise Http404("No such experience of yours.") from None


def _refusal_messages(error: ValidationError) -> list[str]:
    return list(error.messages)


def _refused(request, experience: Experience, error: ValidationError | str, *, status: int = 409):
    reasons = [error] if isinstance(error, str) else _refusal_messages(error)
    return render(
        request,
        "experiences/student/refused.html",
        {"experience": experience, "reasons": reasons},
        status=status,
    )


def _form_errors_from(form, error: ValidationError) -> None:
    """A service's refusal shown on the form: by field when it names one the form has."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


@require_GET
@login_required
def experience_list(request):
    learners = _learners(request.user)
    if not learners:
        return render(request, "experiences/student/no_record.html")
    experiences = list(selectors.experiences_of_user(request.user).order_by("-updated_at", "-pk"))
    groups = [
        {
            "state": state,
            "label": state.label,
            "experiences": [e for e in experiences if e.state == state],
        }
        for state in STATE_ORDER
    ]
    return render(
        request,
        "experiences/student/list.html",
        {
            "groups": [group for group in groups if group["experiences"]],
            "count": len(experiences),
            "several_institutions": len(learners) > 1,
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def experience_create(request):
    learners = _learners(request.user)
    if not learners:
        status = 400 if request.method == "POST" else 200
        return render(request, "experiences/student/no_record.html", status=status)
    form = ExperienceForm(request.POST if request.method == "POST" else None, learners=learners)
    if request.method == "POST":
        if form.is_valid():
            try:
                experience = services.experience_create(
                    learner=form.learner_chosen,
                    fields=form.fields_for_service(),
                    competencies=form.cleaned_data["competencies"],
                    actor=request.user,
                )
            except ValidationError as error:
                _form_errors_from(form, error)
            else:
                messages.success(request, "Saved as a draft. Add hours and evidence, then submit it.")
                return redirect(experience.get_absolute_url())
        return render(request, "experiences/student/form.html", {"form": form}, status=400)
    return render(request, "experiences/student/form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@login_required
def experience_edit(request, experience_id):
    experience = _own_or_404(request, experience_id)
    if not experience.is_editable:
        return _refused(
            request,
            experience,
            f"This experience is {experience.get_state_display().lower()}: it cannot be edited now. "
            "You can edit an experience while it is a draft, or after your advisor asked for changes.",
        )
    learners = [experience.learner]
    initial = model_to_dict(experience, fields=list(services.EDITABLE_FIELDS))
    initial["competencies"] = list(experience.competencies.values_list("pk", flat=True))
    form = ExperienceForm(
        request.POST if request.method == "POST" else None,
        learners=learners,
        experience=experience,
        initial=initial,
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                services.experience_update(
                    experience=experience,
                    fields=form.fields_for_service(),
                    competencies=form.cleaned_data["competencies"],
                    actor=request.user,
                )
            except services.ExperienceRefused as error:
                if not hasattr(error, "error_dict"):
                    return _refused(request, experience, error)
                _form_errors_from(form, error)
            except ValidationError as error:
                _form_errors_from(form, error)
            else:
                messages.success(request, "Your changes are saved.")
                return redirect(experience.get_absolute_url())
        status = 400
    else:
        status = 200
    return render(
        request, "experiences/student/form.html", {"form": form, "experience": experience}, status=status
    )


def _credential_of(experience: Experience) -> IssuedCredential | None:
    if experience.state != State.VERIFIED or experience.award_id is None:
        return None
    return (
        IssuedCredential.objects.filter(award_id=experience.award_id, is_current=True).order_by("-pk").first()
    )


def _value(field: str, value) -> str:
    if value in (None, "", []):
        return "—"
    if field == "state":
        return State(value).label if value in State.values else str(value)
    if field == "category":
        from .models import Category

        return Category(value).label if value in Category.values else str(value)
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def _field_label(field: str) -> str:
    try:
        return str(Experience._meta.get_field(field).verbose_name).capitalize()
    except FieldDoesNotExist:  # a change of something that is not one of its fields
        return field.replace("_", " ").capitalize()


def _timeline_lines(experience: Experience, user) -> list[dict]:
    lines = []
    for event in selectors.timeline(experience=experience, include_internal=False):
        if event.actor_id and event.actor_id == user.pk:
            who = "You"
        elif event.actor_id:
            who = (event.actor.get_full_name() or "").strip() or event.actor.email
        else:
            who = event.actor_label or experience.institution.name
        lines.append(
            {
                "at": event.at,
                "who": who,
                "action": event.action_label,
                "note": event.note,
                "changes": [
                    {
                        "field": _field_label(field),
                        "from": _value(field, change.get("from")),
                        "to": _value(field, change.get("to")),
                    }
                    for field, change in (event.changes or {}).items()
                    if isinstance(change, dict)
                ],
            }
        )
    return lines


def _detail_page(request, experience: Experience, *, status: int = 200, refusal=None, **forms):
    institution = experience.institution
    # Read, not services.policy_for: a page that is only looked at writes nothing.
    policy = ExperiencePolicy.objects.filter(institution=institution).first()
    supervisor_requests = list(experience.supervisor_requests.all())
    needs_supervisor = policy is not None and policy.requires_supervisor(experience.category)
    context = {
        "experience": experience,
        "next_step": NEXT_STEP[experience.state].format(institution=institution.name),
        "evidence": list(experience.evidence.all()),
        "hours_log": list(experience.hours_log.all()),
        "competencies": list(experience.competencies.select_related("current_version")),
        "supervisor_requests": supervisor_requests,
        "needs_supervisor": needs_supervisor,
        "supervisor_named": any(r.is_open or r.attested_at for r in supervisor_requests),
        "may_ask_supervisor": experience.state in OPEN_STATES,
        "notes": list(experience.annotations.filter(visibility=Visibility.SHARED).select_related("author")),
        "timeline": _timeline_lines(experience, request.user),
        "credential": _credential_of(experience),
        "ratings": list(experience.ratings.select_related("competency__current_version", "level"))
        if experience.state == State.VERIFIED
        else [],
        "refusal": refusal,
        "hours_form": forms.get("hours_form") or HoursEntryForm(),
        "evidence_form": forms.get("evidence_form") or EvidenceForm(),
        "supervisor_form": forms.get("supervisor_form") or SupervisorForm(),
    }
    return render(request, "experiences/student/detail.html", context, status=status)


@require_GET
@login_required
def experience_mine(request, experience_id):
    return _detail_page(request, _own_or_404(request, experience_id))


@require_POST
@login_required
def hours_add(request, experience_id):
    experience = _own_or_404(request, experience_id)
    if not experience.is_editable:
        return _refused(request, experience, _not_editable(experience))
    form = HoursEntryForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, experience, status=400, hours_form=form)
    try:
        services.hours_entry_add(
            experience=experience,
            day=form.cleaned_data["date"],
            hours=form.cleaned_data["hours"],
            note=form.cleaned_data["note"],
            actor=request.user,
        )
    except services.ExperienceRefused as error:
        return _refused(request, experience, error)
    except ValidationError as error:
        _form_errors_from(form, error)
        return _detail_page(request, experience, status=400, hours_form=form)
    messages.success(request, "Hours logged.")
    return redirect(experience.get_absolute_url())


def _not_editable(experience: Experience) -> str:
    return (
        f"This experience is {experience.get_state_display().lower()}: nothing can be added to it now. "
        "You can change an experience while it is a draft, or after your advisor asked for changes."
    )


@require_POST
@login_required
def evidence_add(request, experience_id):
    experience = _own_or_404(request, experience_id)
    if not experience.is_editable:
        return _refused(request, experience, _not_editable(experience))
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail_page(request, experience, status=400, evidence_form=form)
    upload = form.cleaned_data.get("file")
    try:
        services.evidence_add(
            experience=experience,
            name=form.cleaned_data["name"],
            url=form.cleaned_data["url"],
            file=upload or None,
            content_type=getattr(form, "content_type", "") if upload else "",
            actor=request.user,
        )
    except ValidationError as error:
        return _form_refused(request, experience, error, evidence_form=form)
    messages.success(request, "Evidence added.")
    return redirect(experience.get_absolute_url())


def _form_refused(request, experience, error: ValidationError, **form):
    """A service refused a form: about its fields, the form again (400); about the state, why (409)."""
    if isinstance(error, services.ExperienceRefused) and not hasattr(error, "error_dict"):
        return _refused(request, experience, error)
    _form_errors_from(next(iter(form.values())), error)
    return _detail_page(request, experience, status=400, **form)


def _staff_may_see(user, experience_id) -> bool:
    """Whether one of the person's staff roles shows them the experience (its admin, its advisor)."""
    memberships = Membership.objects.filter(user=user).select_related("institution")
    roles_by_institution: dict = {}
    for membership in memberships:
        roles_by_institution.setdefault(membership.institution, set()).add(membership.role)
    return any(
        selectors.experiences_for_staff(institution=institution, user=user, roles=roles)
        .filter(uuid=experience_id)
        .exists()
        for institution, roles in roles_by_institution.items()
    )


@require_GET
@login_required
def evidence_file(request, experience_id, evidence_id):
    """An uploaded evidence file, as a download, to the student, their assigned advisor and the admins."""
    own = selectors.experiences_of_user(request.user).filter(uuid=experience_id).exists()
    if not own and not _staff_may_see(request.user, experience_id):
        raise Http404("No such evidence file.")
    evidence = (
        ExperienceEvidence.objects.filter(uuid=evidence_id, experience__uuid=experience_id)
        .exclude(file="")
        .first()
    )
    if evidence is None:
        raise Http404("No such evidence file.")
    # Never rendered by the browser (whatever the bytes turn out to be), never kept by a shared cache.
    response = FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.file_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    if evidence.content_type:
        charset = "; charset=utf-8" if evidence.content_type == "text/plain" else ""
        response["Content-Type"] = evidence.content_type + charset
    return response


@require_POST
@login_required
def experience_submit(request, experience_id):
    experience = _own_or_404(request, experience_id)
    try:
        services.experience_submit(experience=experience, actor=request.user)
    except services.ExperienceRefused as error:
        experience.refresh_from_db()
        status = 400 if hasattr(error, "error_dict") else 409
        return _detail_page(request, experience, status=status, refusal=_refusal_messages(error))
    experience.refresh_from_db()
    if experience.state == State.AWAITING_SUPERVISOR:
        messages.success(
            request, "Submitted. Your supervisor confirms it first, then your advisor reviews it."
        )
    else:
        messages.success(request, "Submitted: your advisor has been told.")
    return redirect(experience.get_absolute_url())


@require_POST
@login_required
def supervisor_ask(request, experience_id):
    experience = _own_or_404(request, experience_id)
    form = SupervisorForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, experience, status=400, supervisor_form=form)
    try:
        services.supervisor_request_create(
            experience=experience,
            email=form.cleaned_data["email"],
            name=form.cleaned_data["name"],
            actor=request.user,
        )
    except ValidationError as error:
        return _form_refused(request, experience, error, supervisor_form=form)
    messages.success(request, f"{form.cleaned_data['email']} will get an e-mail with a link to confirm it.")
    return redirect(experience.get_absolute_url())
