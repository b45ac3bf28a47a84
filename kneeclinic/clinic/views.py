"""The physio's workspace and the runner's sharing page.

Every page that shows a runner's record to someone else finds the runner through
``visible_runner_ids`` (404 for anyone else, so existence does not leak) and writes an audit event.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.mail import send_mail
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kneeclinic.accounts import invitations, mfa
from kneeclinic.accounts.access import visible_runner_ids
from kneeclinic.accounts.models import CareInvitation, CareLink, Role, User
from kneeclinic.accounts.types import AuthenticatedRequest
from kneeclinic.clinic import audit, caseload, notes, pdf, runner_invitations, timeline
from kneeclinic.clinic.forms import (
    AddExerciseForm,
    CodeForm,
    DoseForm,
    InviteForm,
    InvitePhysioForm,
    NoteForm,
    PlanGatesForm,
    RemoveExerciseForm,
    ReviewForm,
    RunnerCodeForm,
    SetPlanForm,
)
from kneeclinic.clinic.models import (
    AssessmentNote,
    AssessmentNoteVersion,
    AuditAction,
    AuditEvent,
    AuditOutcome,
    PhysioInvitation,
    PlanChange,
    RunningReview,
)
from kneeclinic.domain import returntorun as rtr
from kneeclinic.exercises import prescribing
from kneeclinic.exercises.models import Programme, ProgrammeItem
from kneeclinic.plans import clinic as plan_clinic
from kneeclinic.plans import queries as plan_queries
from kneeclinic.plans import services as plan_services
from kneeclinic.plans.models import PlanStatus, RunPlan
from kneeclinic.training import queries as training_queries

logger = logging.getLogger(__name__)
CASELOAD_PAGE_SIZE = 50

# What a linked physio sees, shown to the runner before they agree (and on the sharing page).
SHARED_WITH_PHYSIO = (
    "Your runs: date, distance, time, pace, heart rate, cadence and the shape of the route "
    "(drawn without a map; never your original watch files)",
    "Your weekly running load and any sudden jumps in it",
    "Your pain diary: scores, when the pain came, which knee and where, and your notes",
    "The symptom checker's outcome and any warning signs you reported",
    "Your exercises and how often you did them, and the self-help you logged",
    "Your return-to-running plan, its stages and your cadence target",
    "Your Kujala knee scores",
)
PHYSIO_CAN = (
    "Write assessment notes about you, and choose which of them you can read here",
    "Print a report of your record for an appointment or a referral",
)
PHYSIO_CANNOT = (
    "Change or delete your runs, diary entries or scores",
    "See your password, or your data after you stop sharing",
)


def second_factor_required[F: Callable[..., HttpResponseBase]](view: F) -> F:
    """A clinician's session must have passed the second factor (T10); otherwise log in again.

    Sessions made by the log-in page always have; this guards against any other way a
    clinician's session could come about (a role changed on a live session, for example).
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if isinstance(user, User) and user.is_clinician and not mfa.session_verified(request):
            logout(request)
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return cast(F, wrapper)


def _is_clinician(user: User) -> bool:
    return user.role in {Role.PHYSIO, Role.ADMIN}


def _runner_for(request: AuthenticatedRequest, code: uuid.UUID, verb: str) -> User:
    """The runner with this code if the signed-in person may see them; else 404 (and audit it)."""
    runner = (
        User.objects.filter(visible_runner_ids(request.user), code=code, role=Role.RUNNER)
        .select_related("clinic")
        .first()
    )
    if runner is None:
        existing = User.objects.filter(code=code).first()
        if existing is not None:
            audit.record_access(
                request,
                existing,
                AuditAction.READ,
                "runner",
                code,
                verb=verb,
                outcome=AuditOutcome.DENIED,
            )
        raise Http404("No such runner")
    return runner


def _physio_only(request: AuthenticatedRequest) -> None:
    if not _is_clinician(request.user):
        raise Http404("Clinicians only")


# ---------- the runner's side ----------


@login_required
@second_factor_required
@never_cache
@require_http_methods(["GET", "POST"])
def sharing(request: AuthenticatedRequest) -> HttpResponse:
    """Who can see my record, stop sharing, and type an invitation code."""
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = invitations.find_by_short_code(request.user, form.cleaned_data["code"])
        except invitations.InvitationError as exc:
            form.add_error("code", str(exc))
        else:
            return _consent_page(request, invitation, code=form.cleaned_data["code"])
    links = (
        CareLink.objects.filter(runner=request.user)
        .exclude(status=CareLink.Status.PENDING)
        .select_related("physio__clinic")
        .order_by("status", "-agreed_at")
    )
    return render(
        request,
        "clinic/sharing.html",
        {
            "form": form,
            "active": [link for link in links if link.status == CareLink.Status.ACTIVE],
            "ended": [link for link in links if link.status == CareLink.Status.ENDED][:10],
            "shared": SHARED_WITH_PHYSIO,
            "is_runner": request.user.role == Role.RUNNER,
            "pending": runner_invitations.pending(request.user),
        },
    )


def _consent_page(
    request: AuthenticatedRequest,
    invitation: CareInvitation,
    *,
    code: str = "",
    token: str = "",
) -> HttpResponse:
    return render(
        request,
        "clinic/consent.html",
        {
            "invitation": invitation,
            "physio": invitation.physio,
            "code": code,
            "token": token,
            "shared": SHARED_WITH_PHYSIO,
            "can": PHYSIO_CAN,
            "cannot": PHYSIO_CANNOT,
        },
    )


@login_required
@second_factor_required
@never_cache
@require_POST
def agree(request: AuthenticatedRequest) -> HttpResponse:
    """The runner agrees to share with the physio named on the consent page."""
    token = request.POST.get("token", "")
    code = request.POST.get("code", "")
    try:
        if token:
            invitation = invitations.find_by_link_token(request.user, token)
        else:
            invitation = invitations.find_by_short_code(request.user, code)
        link = invitations.accept(request.user, invitation)
    except invitations.InvitationError as exc:
        messages.error(request, str(exc))
        return redirect("clinic:sharing")
    audit.record(
        actor=request.user,
        runner=request.user,
        action=AuditAction.CREATE,
        object_type="care_link",
        object_code=link.code,
        verb="grant",
        request=request,
    )
    messages.success(
        request,
        f"You now share your record with {link.physio.display_name}. "
        "You can stop at any time on this page.",
    )
    return redirect("clinic:sharing")


@login_required
@second_factor_required
@never_cache
@require_GET
def join(request: AuthenticatedRequest, token: str) -> HttpResponse:
    """An invitation link: show exactly what will be shared before the runner agrees."""
    try:
        invitation = invitations.find_by_link_token(request.user, token)
    except invitations.InvitationError as exc:
        return render(request, "clinic/invitation_refused.html", {"reason": str(exc)}, status=410)
    return _consent_page(request, invitation, token=token)


@login_required
@second_factor_required
@require_POST
def end_link(request: AuthenticatedRequest, code: uuid.UUID) -> HttpResponse:
    """The runner (or the physio) stops sharing. Access ends with the next request."""
    link = get_object_or_404(
        CareLink.objects.select_related("physio", "runner").filter(status=CareLink.Status.ACTIVE),
        code=code,
    )
    if request.user.pk not in {link.runner_id, link.physio_id}:
        raise Http404("No such link")
    invitations.end_link(link, request.user)
    audit.record(
        actor=request.user,
        runner=link.runner,
        action=AuditAction.UPDATE,
        object_type="care_link",
        object_code=link.code,
        verb="revoke",
        request=request,
    )
    if request.user.pk == link.runner_id:
        messages.success(request, f"{link.physio.display_name} can no longer see your record.")
        return redirect("clinic:sharing")
    messages.success(request, f"You no longer follow {link.runner.display_name}.")
    return redirect("clinic:caseload")


@login_required
@second_factor_required
@never_cache
@require_GET
def access_log(request: AuthenticatedRequest) -> HttpResponse:
    """Who looked at my data: every event about this runner by someone else."""
    events = list(
        AuditEvent.objects.filter(runner=request.user)
        .exclude(actor_id=request.user.pk)
        .order_by("-id")[:300]
    )
    people = audit.people_for(events)
    rows = [(event, people.get(event.actor_id or 0)) for event in events]
    return render(request, "clinic/access_log.html", {"rows": rows})


@login_required
@second_factor_required
@never_cache
@require_GET
def shared_notes(request: AuthenticatedRequest) -> HttpResponse:
    """Assessment notes my physio chose to share with me (their newest version)."""
    shared = notes.shared_with(request.user)
    reviews = RunningReview.objects.filter(runner=request.user).select_related("physio")[:10]
    return render(request, "clinic/shared_notes.html", {"notes": shared, "reviews": reviews})


# ---------- the physio's side ----------


@login_required
@second_factor_required
@never_cache
@require_GET
def caseload_view(request: AuthenticatedRequest) -> HttpResponse:
    if not _is_clinician(request.user):
        return redirect("clinic:sharing")
    query = request.GET.get("q", "").strip()[:100]
    need = request.GET.get("need", "")
    rows = caseload.build(request.user, today=timezone.localdate(timezone=request.user.tz))
    filtered = caseload.filter_rows(rows, query=query, need=need)
    page = Paginator(filtered, CASELOAD_PAGE_SIZE).get_page(request.GET.get("page"))
    runner_url = reverse("clinic:runner", kwargs={"code": uuid.UUID(int=0)}).replace(
        str(uuid.UUID(int=0)), "{}"
    )
    for row in page.object_list:
        row.url = runner_url.format(row.runner.code)
    pending = CareInvitation.objects.filter(
        physio=request.user,
        used_at__isnull=True,
        withdrawn_at__isnull=True,
        expires_at__gt=timezone.now(),
    )[:20]
    return render(
        request,
        "clinic/caseload.html",
        {
            "rows": page.object_list,
            "page": page,
            "matching": len(filtered),
            "total": len(rows),
            "query": query,
            "need": need,
            "need_choices": caseload.NEED_FILTERS,
            "pending": pending,
            "is_admin": request.user.role == Role.ADMIN,
        },
    )


@login_required
@second_factor_required
@never_cache
@require_http_methods(["GET", "POST"])
def invite(request: AuthenticatedRequest) -> HttpResponse:
    _physio_only(request)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            issued = invitations.create_invitation(
                request.user, form.cleaned_data.get("runner_email") or ""
            )
        except invitations.InvitationError as exc:
            form.add_error(None, str(exc))
        else:
            link = request.build_absolute_uri(
                reverse("clinic:join", kwargs={"token": issued.link_token})
            )
            if issued.invitation.runner_email:
                _send_invitation(request.user, issued, link)
            return render(
                request,
                "clinic/invitation_issued.html",
                {"issued": issued, "link": link, "days": invitations.INVITATION_DAYS},
            )
    return render(
        request, "clinic/invite.html", {"form": form, "days": invitations.INVITATION_DAYS}
    )


def _send_invitation(physio: User, issued: invitations.IssuedInvitation, link: str) -> None:
    """Email the runner the link and the code (the page shows them too, in case mail is slow)."""
    clinic = f" at {physio.clinic.name}" if physio.clinic else ""
    body = (
        f"{physio.display_name}{clinic} invites you to share your Knee Clinic record with them.\n\n"
        f"Open this link to see exactly what they would see, and to agree or not:\n{link}\n\n"
        f"Or type this code on your Sharing page: {issued.short_code_display}\n\n"
        f"The invitation works once and expires in {invitations.INVITATION_DAYS} days. "
        "If you did not expect it, ignore this email: nothing is shared unless you agree.\n"
    )
    try:
        send_mail(
            f"{physio.display_name} invites you to share your Knee Clinic record",
            body,
            None,
            [issued.invitation.runner_email],
        )
    except OSError:
        # Mail trouble must not lose the invitation: the page shows the link and code.
        logger.warning("the invitation email could not be sent")


@login_required
@second_factor_required
@require_POST
def withdraw_invitation(request: AuthenticatedRequest, code: uuid.UUID) -> HttpResponse:
    _physio_only(request)
    invitation = get_object_or_404(CareInvitation, code=code, physio=request.user)
    invitations.withdraw(request.user, invitation)
    messages.success(request, "The invitation is withdrawn; its code and link no longer work.")
    return redirect("clinic:caseload")


@login_required
@second_factor_required
@never_cache
@require_GET
def runner_timeline(request: AuthenticatedRequest, code: uuid.UUID) -> HttpResponse:
    runner = _runner_for(request, code, "view-timeline")
    audit.record_access(request, runner, AuditAction.READ, "timeline", runner.code)
    link = CareLink.objects.filter(
        runner=runner, physio=request.user, status=CareLink.Status.ACTIVE
    ).first()
    data = timeline.build(runner, unit=request.user.units)
    load = training_queries.summary_for(runner)
    return render(
        request,
        "clinic/timeline.html",
        {
            "runner": runner,
            "link": link,
            "data": data,
            "chart": data.chart_data(),
            "runs": timeline.run_rows(data, request.user.tz),
            "pain_rows": data.pain_rows(request.user.tz),
            "notes": notes.for_reader(request.user, runner),
            "is_runner": request.user.pk == runner.pk,
            "reviews": RunningReview.objects.filter(runner=runner).select_related("physio")[:5],
            "review_form": ReviewForm(),
            "review_card": plan_clinic.review_card(request.user, runner),
            "load": load if any(run.record.sport == "running" for run in load.runs) else None,
        },
    )


def _report_notes(request: AuthenticatedRequest, runner: User) -> tuple[list[Any], list[Any]]:
    """(all notes the reader may see, those chosen for the report). Without a choice, all."""
    every = notes.for_reader(request.user, runner)
    if "choose" not in request.GET:
        return every, every
    chosen = set(request.GET.getlist("note"))
    return every, [view for view in every if str(view.note.code) in chosen]


@login_required
@second_factor_required
@never_cache
@require_GET
def runner_report(request: AuthenticatedRequest, code: uuid.UUID) -> HttpResponse:
    runner = _runner_for(request, code, "print-report")
    audit.record_access(request, runner, AuditAction.EXECUTE, "report", runner.code, verb="print")
    data = timeline.build(runner, unit=request.user.units)
    every, chosen = _report_notes(request, runner)
    chosen_codes = {view.note.code for view in chosen}
    return render(
        request,
        "clinic/report.html",
        {
            "runner": runner,
            "data": data,
            "chart": data.chart_data(),
            "runs": timeline.run_rows(data, request.user.tz),
            "pain_rows": data.pain_rows(request.user.tz),
            "all_notes": [(view, view.note.code in chosen_codes) for view in every],
            "notes": chosen,
            "pdf_query": request.GET.urlencode(),
            "printed_at": timezone.now(),
        },
    )


@login_required
@second_factor_required
@never_cache
@require_GET
def runner_report_pdf(request: AuthenticatedRequest, code: uuid.UUID) -> HttpResponse:
    """The same report as a PDF file to download, attach to a referral or print."""
    runner = _runner_for(request, code, "download-report")
    audit.record_access(
        request, runner, AuditAction.EXECUTE, "report", runner.code, verb="download-pdf"
    )
    data = timeline.build(runner, unit=request.user.units)
    _every, chosen = _report_notes(request, runner)
    now = timezone.localtime(timezone.now(), request.user.tz)
    content = pdf.build(
        pdf.ReportInput(
            runner_name=runner.display_name,
            runner_email=runner.email,
            sore_knee=runner.get_sore_knee_display() if runner.sore_knee else "",
            printed_at=now,
            printed_by=request.user.display_name,
            data=data,
            runs=timeline.run_rows(data),
            notes=chosen,
        )
    )
    response = HttpResponse(content, content_type="application/pdf")
    name = f"knee-clinic-report-{now:%Y-%m-%d}.pdf"
    response["Content-Disposition"] = f"attachment; filename=\"{name}\"; filename*=UTF-8''{name}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@second_factor_required
@never_cache
@require_http_methods(["GET", "POST"])
def note_new(request: AuthenticatedRequest, code: uuid.UUID) -> HttpResponse:
    _physio_only(request)
    runner = _runner_for(request, code, "create-note")
    form = NoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        note = notes.create(runner, request.user, form.cleaned_data)
        audit.record_access(request, runner, AuditAction.CREATE, "assessment_note", note.code)
        messages.success(request, "The note is saved.")
        return redirect("clinic:note", code=note.code)
    return render(request, "clinic/note_form.html", {"form": form, "runner": runner})


def _note_for(
    request: AuthenticatedRequest, code: uuid.UUID, verb: str, *, history: bool = True
) -> AssessmentNote:
    """A note whose runner the signed-in clinician may see; 404 (audited) for anyone else.

    With ``history`` its versions come too (a note gains one with every save, so a change,
    which needs only the current one, does without).
    """
    notes_seen = (
        AssessmentNote.objects.filter(
            code=code, runner__in=User.objects.filter(visible_runner_ids(request.user))
        )
        .exclude(runner=request.user)
        .select_related("runner", "author")
    )
    if history:
        notes_seen = notes_seen.prefetch_related(
            Prefetch("versions", queryset=AssessmentNoteVersion.objects.select_related("saved_by"))
        )
    note = notes_seen.first()
    if note is None or not _is_clinician(request.user):
        existing = AssessmentNote.objects.filter(code=code).select_related("runner").first()
        if existing is not None:
            audit.record_access(
                request,
                existing.runner,
                AuditAction.READ,
                "assessment_note",
                code,
                verb=verb,
                outcome=AuditOutcome.DENIED,
            )
        raise Http404("No such note")
    return note


@login_required
@second_factor_required
@never_cache
@require_GET
def note_detail(request: AuthenticatedRequest, code: uuid.UUID) -> HttpResponse:
    note = _note_for(request, code, "view-note")
    audit.record_access(request, note.runner, AuditAction.READ, "assessment_note", note.code)
    versions = list(note.versions.all())
    return render(
        request,
        "clinic/note_detail.html",
        {"note": note, "current": versions[0], "older": versions[1:], "runner": note.runner},
    )


@login_required
@second_factor_required
@never_cache
@require_http_methods(["GET", "POST"])
def note_edit(request: AuthenticatedRequest, code: uuid.UUID) -> HttpResponse:
    note = _note_for(request, code, "change-note", history=False)
    current = note.versions.all()[0]  # the newest (versions are ordered newest first)
    if request.method == "GET":
        audit.record_access(request, note.runner, AuditAction.READ, "assessment_note", note.code)
    form = NoteForm(request.POST or None, initial=notes.initial_from(current), editing=True)
    if request.method == "POST" and form.is_valid():
        notes.revise(note, request.user, form.cleaned_data)
        audit.record_access(request, note.runner, AuditAction.UPDATE, "assessment_note", note.code)
        messages.success(request, "The note is saved as a new version; earlier versions are kept.")
        return redirect("clinic:note", code=note.code)
    return render(
        request, "clinic/note_form.html", {"form": form, "runner": note.runner, "note": note}
    )


@login_required
@second_factor_required
@never_cache
@require_GET
def audit_export(request: AuthenticatedRequest) -> HttpResponseBase:
    """A clinic admin downloads the clinic's audit log as CSV (cells safe for spreadsheets)."""
    user = request.user
    if user.role != Role.ADMIN or user.clinic_id is None:
        raise Http404("Clinic admins only")
    events = list(AuditEvent.objects.filter(actor_clinic_id=user.clinic_id).order_by("id"))
    people = audit.people_for(events)
    audit.record(
        actor=user,
        runner=None,
        action=AuditAction.EXECUTE,
        object_type="audit_log",
        object_code=user.clinic.code if user.clinic else "",
        verb="export",
        request=request,
    )
    response = StreamingHttpResponse(
        audit.csv_rows(events, people), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _admin_only(request: AuthenticatedRequest) -> int:
    """The admin's clinic id; 404 for anyone who is not a clinic admin."""
    clinic_id = request.user.clinic_id
    if request.user.role != Role.ADMIN or clinic_id is None:
        raise Http404("Clinic admins only")
    return clinic_id


@login_required
@second_factor_required
@never_cache
@require_GET
def staff(request: AuthenticatedRequest) -> HttpResponse:
    """A clinic admin sees the clinic's staff (no clinical data) and can remove someone."""
    clinic_id = _admin_only(request)
    people = User.objects.filter(clinic_id=clinic_id).order_by("role", "email")
    return render(request, "clinic/staff.html", {"people": people})


@login_required
@second_factor_required
@require_POST
def remove_staff(request: AuthenticatedRequest, code: uuid.UUID) -> HttpResponse:
    """Remove a physio from the clinic: their access ends at once and their care links end."""
    clinic_id = _admin_only(request)
    person = get_object_or_404(
        User.objects.filter(clinic_id=clinic_id).exclude(pk=request.user.pk),
        code=code,
    )
    User.objects.filter(pk=person.pk).update(clinic=None)
    audit.record(
        actor=request.user,
        runner=None,
        action=AuditAction.UPDATE,
        object_type="staff",
        object_code=person.code,
        verb="remove-from-clinic",
        request=request,
    )
    for link in CareLink.objects.filter(
        physio=person, status=CareLink.Status.ACTIVE
    ).select_related("runner"):
        invitations.end_link(link, person)
        audit.record(
            actor=request.user,
            runner=link.runner,
            action=AuditAction.UPDATE,
            object_type="care_link",
            object_code=link.code,
            verb="revoke",
            request=request,
        )
    messages.success(request, f"{person.display_name} is no longer part of the clinic.")
    return redirect("clinic:staff")


@login_required
@second_factor_required
@require_POST
def review(request: AuthenticatedRequest, code: uuid.UUID) -> HttpResponse:
    """The physio records the outcome of reviewing the runner's running; the runner sees it."""
    _physio_only(request)
    runner = _runner_for(request, code, "review-running")
    if runner.pk == request.user.pk:
        raise Http404("Not your own record")
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose an outcome for the review.")
        return redirect("clinic:runner", code=runner.code)
    saved = RunningReview.objects.create(
        runner=runner,
        physio=request.user,
        outcome=form.cleaned_data["outcome"],
        note=form.cleaned_data["note"],
    )
    audit.record_access(request, runner, AuditAction.CREATE, "running_review", saved.code)
    messages.success(request, f"Review saved; {runner.display_name} can read it.")
    return redirect("clinic:runner", code=runner.code)


# ---------- prescribing the exercise programme ----------


def _dose_in(data: dict[str, Any]) -> prescribing.DoseIn:
    return prescribing.DoseIn(
        sets=data["sets"],
        reps=data.get("reps"),
        hold_s=data.get("hold_s"),
        each_side=bool(data.get("each_side")),
        load=data.get("load") or "",
        from_week=data["from_week"],
        until_week=data.get("until_week"),
    )


def _item_forms(programme: Programme | None) -> list[tuple[ProgrammeItem, DoseForm]]:
    if programme is None:
        return []
    rows = []
    for item in programme.items.all():
        form = DoseForm(
            prefix=f"item-{item.code}",
            initial={
                "sets": item.sets,
                "reps": item.reps,
                "hold_s": item.hold_s,
                "each_side": item.each_side,
                "load": item.load,
                "from_week": item.from_week,
                "until_week": item.until_week,
            },
        )
        rows.append((item, form))
    return rows


def _apply_prescription(
    request: AuthenticatedRequest, runner: User, action: str
) -> tuple[bool, AddExerciseForm | None]:
    """Carry out one change from the prescribing page; True when it was made."""
    physio = request.user
    add_form: AddExerciseForm | None = None
    try:
        if action == "start":
            prescribing.start_for(
                runner,
                physio,
                timezone.localdate(timezone=runner.tz),
                request.POST.get("note", ""),
            )
            messages.success(
                request, f"The standard programme starts today for {runner.display_name}."
            )
            return True, None
        if action == "add":
            add_form = AddExerciseForm(request.POST, prefix="add")
            if not add_form.is_valid():
                return False, add_form
            data = add_form.cleaned_data
            item = prescribing.add(runner, physio, data["slug"], _dose_in(data), data["note"])
            messages.success(
                request, f"{item.exercise.name} is added; {runner.display_name} sees it now."
            )
            return True, None
        item_code = uuid.UUID(request.POST.get("item", ""))
        if action == "change":
            form = DoseForm(request.POST, prefix=f"item-{item_code}")
            if not form.is_valid():
                errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
                messages.error(request, f"The dose was not changed: {errors}")
                return False, None
            item = prescribing.change(
                runner, physio, item_code, _dose_in(form.cleaned_data), form.cleaned_data["note"]
            )
            messages.success(request, f"The dose of {item.exercise.name} is changed.")
            return True, None
        if action == "remove":
            form_r = RemoveExerciseForm(request.POST, prefix=f"remove-{item_code}")
            note = form_r.cleaned_data["note"] if form_r.is_valid() else ""
            prescribing.remove(runner, physio, item_code, note)
            messages.success(request, "The exercise is taken out of the programme.")
            return True, None
    except ValueError as exc:
        # PrescriptionError is a ValueError; so is a malformed item code.
        text = str(exc) if isinstance(exc, prescribing.PrescriptionError) else "Choose an exercise."
        if add_form is not None:
            add_form.add_error(None, text)
            return False, add_form
        messages.error(request, text)
        return False, None
    raise Http404("No such change")


@login_required
@second_factor_required
@never_cache
@require_http_methods(["GET", "POST"])
def prescribe(request: AuthenticatedRequest, code: uuid.UUID) -> HttpResponse:
    """A physio edits a linked runner's exercise programme; each change reaches the runner."""
    _physio_only(request)
    runner = _runner_for(request, code, "prescribe-exercises")
    add_form: AddExerciseForm | None = None
    if request.method == "POST":
        done, add_form = _apply_prescription(request, runner, request.POST.get("action", ""))
        if done:
            audit.record_access(
                request,
                runner,
                AuditAction.UPDATE,
                "exercise_programme",
                runner.code,
                verb="prescribe",
            )
            return redirect("clinic:prescribe", code=runner.code)
    # The page (again, with the reason a change was not made) shows the runner's programme.
    audit.record_access(request, runner, AuditAction.READ, "exercise_programme", runner.code)
    programme = Programme.objects.filter(runner=runner, active=True).first()
    return render(
        request,
        "clinic/prescribe.html",
        {
            "runner": runner,
            "programme": programme,
            "items": _item_forms(programme),
            "add_form": add_form or AddExerciseForm(prefix="add"),
            "changes": prescribing.recent(runner),
        },
        status=400 if add_form is not None else 200,
    )


# ---------- a runner invites their physio ----------


@login_required
@second_factor_required
@never_cache
@require_http_methods(["GET", "POST"])
def invite_physio(request: AuthenticatedRequest) -> HttpResponse:
    """The runner sees what a physio sees, agrees, and gets a link and a code to pass on."""
    if request.user.role != Role.RUNNER:
        raise Http404("Runners only")
    form = InvitePhysioForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        issued = runner_invitations.create(request.user, form.cleaned_data["physio_email"] or "")
        link = request.build_absolute_uri(
            reverse("clinic:from-runner", kwargs={"token": issued.link_token})
        )
        if issued.invitation.physio_email:
            _send_physio_invitation(request.user, issued, link)
        return render(
            request,
            "clinic/physio_invitation_issued.html",
            {"issued": issued, "link": link, "days": invitations.INVITATION_DAYS},
        )
    return render(
        request,
        "clinic/invite_physio.html",
        {
            "form": form,
            "shared": SHARED_WITH_PHYSIO,
            "can": PHYSIO_CAN,
            "cannot": PHYSIO_CANNOT,
            "days": invitations.INVITATION_DAYS,
        },
    )


def _send_physio_invitation(
    runner: User, issued: runner_invitations.IssuedPhysioInvitation, link: str
) -> None:
    body = (
        f"{runner.display_name} invites you to follow their Knee Clinic record as their "
        f"physiotherapist.\n\nOpen this link, signed in with your physio account:\n{link}\n\n"
        f"Or type this code on your caseload page: {issued.short_code_display}\n\n"
        f"The invitation works once and expires in {invitations.INVITATION_DAYS} days.\n"
    )
    try:
        send_mail(
            f"{runner.display_name} invites you to follow their Knee Clinic record",
            body,
            None,
            [issued.invitation.physio_email],
        )
    except OSError:
        # The page shows the link and the code, so nothing is lost if mail is down.
        logger.warning("the invitation email could not be sent")


@login_required
@second_factor_required
@require_POST
def withdraw_physio_invitation(request: AuthenticatedRequest, code: uuid.UUID) -> HttpResponse:
    invitation = get_object_or_404(PhysioInvitation, code=code, runner=request.user)
    runner_invitations.withdraw(request.user, invitation)
    messages.success(request, "The invitation is withdrawn; its code and link no longer work.")
    return redirect("clinic:sharing")


def _runner_confirm_page(
    request: AuthenticatedRequest,
    invitation: PhysioInvitation,
    *,
    code: str = "",
    token: str = "",
) -> HttpResponse:
    return render(
        request,
        "clinic/runner_invitation.html",
        {"invitation": invitation, "runner": invitation.runner, "code": code, "token": token},
    )


@login_required
@second_factor_required
@never_cache
@require_POST
def runner_code(request: AuthenticatedRequest) -> HttpResponse:
    """A physio types the code a runner gave them; next they confirm whom they will follow."""
    _physio_only(request)
    form = RunnerCodeForm(request.POST)
    if form.is_valid():
        try:
            invitation = runner_invitations.find_by_short_code(
                request.user, form.cleaned_data["code"]
            )
        except invitations.InvitationError as exc:
            messages.error(request, str(exc))
        else:
            return _runner_confirm_page(request, invitation, code=form.cleaned_data["code"])
    else:
        messages.error(request, "Type the code the runner gave you.")
    return redirect("clinic:caseload")


@login_required
@second_factor_required
@never_cache
@require_GET
def from_runner(request: AuthenticatedRequest, token: str) -> HttpResponse:
    """The link a runner sent their physio."""
    _physio_only(request)
    try:
        invitation = runner_invitations.find_by_link_token(request.user, token)
    except invitations.InvitationError as exc:
        return render(request, "clinic/invitation_refused.html", {"reason": str(exc)}, status=410)
    return _runner_confirm_page(request, invitation, token=token)


@login_required
@second_factor_required
@never_cache
@require_POST
def accept_runner(request: AuthenticatedRequest) -> HttpResponse:
    """The physio takes up a runner's invitation; the runner agreed when they made it."""
    _physio_only(request)
    token = request.POST.get("token", "")
    try:
        if token:
            invitation = runner_invitations.find_by_link_token(request.user, token)
        else:
            invitation = runner_invitations.find_by_short_code(
                request.user, request.POST.get("code", "")
            )
        link = runner_invitations.accept(request.user, invitation)
    except invitations.InvitationError as exc:
        messages.error(request, str(exc))
        return redirect("clinic:caseload")
    audit.record(
        actor=request.user,
        runner=link.runner,
        action=AuditAction.CREATE,
        object_type="care_link",
        object_code=link.code,
        verb="grant",
        request=request,
    )
    messages.success(request, f"You now follow {link.runner.display_name}.")
    return redirect("clinic:runner", code=link.runner.code)


# ---------- setting the return-to-run plan ----------


def _plan_action(
    request: AuthenticatedRequest, runner: User, plan: RunPlan | None
) -> tuple[bool, SetPlanForm | None, PlanGatesForm | None]:
    """Carry out the physio's plan change; True when one was made, else the forms with errors."""
    physio = request.user
    if request.POST.get("action") == "set":
        form = SetPlanForm(request.POST, prefix="set")
        if not form.is_valid():
            return False, form, None
        data = form.cleaned_data
        try:
            new = plan_services.start_plan(
                runner,
                data["template_slug"],
                data["start_date"],
                weekdays=data["weekdays"],
                needs_signoff_before_start=data["needs_signoff_before_start"],
                needs_signoff_before_continuous=data["needs_signoff_before_continuous"],
                created_by=physio,
            )
        except (plan_services.PlanError, rtr.ReturnToRunError) as exc:
            form.add_error(None, str(exc))
            return False, form, None
        summary = f"Set the plan “{new.template.name}”, first run {new.start_date:%-d %b %Y}"
        PlanChange.objects.create(
            runner=runner, physio=physio, plan=new, summary=summary, note=data["note"]
        )
        messages.success(request, f"{runner.display_name}'s plan is set; they see it now.")
        return True, None, None
    if request.POST.get("action") == "gates" and plan is not None:
        gates = PlanGatesForm(request.POST, prefix="gates")
        if not gates.is_valid():
            return False, None, gates
        data = gates.cleaned_data
        try:
            changed = plan_services.change_gates(
                plan,
                weekdays=data["weekdays"],
                needs_signoff_before_start=data["needs_signoff_before_start"],
                needs_signoff_before_continuous=data["needs_signoff_before_continuous"],
            )
        except (plan_services.PlanError, rtr.ReturnToRunError) as exc:
            gates.add_error(None, str(exc))
            return False, None, gates
        if not changed:
            messages.info(request, "Nothing changed.")
            return False, None, None
        PlanChange.objects.create(
            runner=runner,
            physio=physio,
            plan=plan,
            summary="Changed the plan: " + ", ".join(changed),
            note=data["note"],
        )
        messages.success(request, "The plan is changed; the runner sees it now.")
        return True, None, None
    raise Http404("No such change")


@login_required
@second_factor_required
@never_cache
@require_http_methods(["GET", "POST"])
def set_plan(request: AuthenticatedRequest, code: uuid.UUID) -> HttpResponse:
    """A physio sets a linked runner's return-to-run plan, or changes its run days and gates."""
    _physio_only(request)
    runner = _runner_for(request, code, "set-plan")
    plan = RunPlan.objects.filter(runner=runner, status=PlanStatus.ACTIVE).first()
    set_form: SetPlanForm | None = None
    gates_form: PlanGatesForm | None = None
    if request.method == "POST":
        done, set_form, gates_form = _plan_action(request, runner, plan)
        if done:
            audit.record_access(
                request, runner, AuditAction.UPDATE, "run_plan", runner.code, verb="set-plan"
            )
            return redirect("clinic:set-plan", code=runner.code)
    audit.record_access(request, runner, AuditAction.READ, "run_plan", runner.code)
    today = timezone.localdate(timezone=runner.tz)
    return render(
        request,
        "clinic/set_plan.html",
        {
            "runner": runner,
            "plan": plan,
            "view": plan_queries.plan_view(plan, runner) if plan else None,
            "readiness": plan_queries.latest_readiness(runner),
            "set_form": set_form or SetPlanForm(prefix="set", initial={"start_date": today}),
            "gates_form": gates_form
            or (
                PlanGatesForm(
                    prefix="gates",
                    initial={
                        "weekdays": list(plan.weekdays),
                        "needs_signoff_before_start": plan.needs_signoff_before_start,
                        "needs_signoff_before_continuous": plan.needs_signoff_before_continuous,
                    },
                )
                if plan
                else None
            ),
            "changes": PlanChange.objects.filter(runner=runner).select_related("physio")[:10],
        },
        status=400 if (set_form or gates_form) is not None else 200,
    )
