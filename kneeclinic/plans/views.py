"""Back to running: readiness check, plan, sessions, interval timer, cadence and shoes."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kneeclinic.accounts.access import visible_runner_ids, visible_to
from kneeclinic.accounts.models import User
from kneeclinic.accounts.types import AuthenticatedRequest
from kneeclinic.activities.models import Activity
from kneeclinic.clinic import audit
from kneeclinic.domain import returntorun as rtr
from kneeclinic.domain import technique
from kneeclinic.domain.units import from_unit
from kneeclinic.plans import calendar, forms, queries, services
from kneeclinic.plans.models import PlanSession, PlanStatus, RunPlan, Shoe


def _next_or(request: AuthenticatedRequest, default: str) -> HttpResponse:
    """Go back to a page on this site named in ``next``, else to ``default``."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(default)


def _own_plan(request: AuthenticatedRequest, code: object) -> RunPlan:
    return get_object_or_404(RunPlan, runner=request.user, code=code)


@login_required
@require_GET
def plan(request: AuthenticatedRequest) -> HttpResponse:
    current = queries.current_plan(request.user)
    if current is not None and current.status == PlanStatus.ACTIVE:
        services.link_runs(current)  # runs imported since the session was logged
    readiness = queries.latest_readiness(request.user)
    context: dict[str, object] = {
        "readiness": readiness,
        "work_on": (
            queries.exercise_links(readiness.result().work_on)
            if readiness is not None and not readiness.passed
            else []
        ),
        "view": queries.plan_view(current, request.user) if current else None,
        "today": queries.today_for(request.user),
        "session_form": forms.SessionForm(
            initial={"on": queries.today_for(request.user), "completed": True}
        ),
        "morning_form": forms.MorningForm(),
        "physio_changes": (
            list(current.changes.select_related("physio")[:3]) if current is not None else []
        ),
    }
    return render(request, "plans/plan_show.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def check_readiness(request: AuthenticatedRequest) -> HttpResponse:
    form = forms.ReadinessForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = services.record_readiness(request.user, form.answers())
        result = check.result()
        context = {
            "check": check,
            "result": result,
            "work_on": queries.exercise_links(result.work_on),
        }
        return render(request, "plans/readiness_result.html", context)
    return render(request, "plans/readiness_check.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def choose_plan(request: AuthenticatedRequest) -> HttpResponse:
    readiness = queries.latest_readiness(request.user)
    form = forms.ChoosePlanForm(
        request.POST or None, initial={"start_date": queries.today_for(request.user)}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.start_plan(request.user, **form.cleaned_data, created_by=request.user)
        except services.PlanError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Your plan is ready. Here is what comes first.")
            return redirect("plans:plan")
    return render(
        request,
        "plans/plan_choose.html",
        {"form": form, "readiness": readiness, "templates": rtr.TEMPLATES.values()},
    )


@login_required
@require_POST
def log_session(request: AuthenticatedRequest, code: object) -> HttpResponse:
    run_plan = _own_plan(request, code)
    form = forms.SessionForm(request.POST)
    if form.is_valid():
        try:
            services.log_session(run_plan, **form.cleaned_data)
        except (services.PlanError, rtr.ReturnToRunError) as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, "Session saved. Tomorrow morning, tell us how the knee feels."
            )
    else:
        messages.error(request, "Please fill in every pain score for the session.")
    return redirect("plans:plan")


@login_required
@require_POST
def record_morning(request: AuthenticatedRequest, code: object) -> HttpResponse:
    session = get_object_or_404(PlanSession, plan__runner=request.user, code=code)
    form = forms.MorningForm(request.POST)
    if form.is_valid():
        try:
            session = services.record_morning(session, form.cleaned_data["pain_next_morning_nrs"])
        except (services.PlanError, rtr.ReturnToRunError) as error:
            messages.error(request, str(error))
        else:
            messages.info(request, f"{session.get_decision_display()}: {session.reason}")
    return redirect("plans:plan")


@login_required
@require_POST
def end_plan(request: AuthenticatedRequest, code: object) -> HttpResponse:
    services.end_plan(_own_plan(request, code))
    messages.info(request, "Your plan has ended. You can start a new one at any time.")
    return redirect("plans:plan")


@login_required
@require_POST
def sign_off_plan(request: AuthenticatedRequest, code: object) -> HttpResponse:
    """A linked physiotherapist signs off the point the plan is waiting at."""
    if not request.user.is_clinician:
        raise Http404
    run_plan = get_object_or_404(RunPlan.objects.filter(visible_to(request.user)), code=code)
    if run_plan.runner_id == request.user.pk:
        raise Http404
    waiting = run_plan.waiting_for()
    if waiting is not None:
        services.sign_off(run_plan, waiting, request.user)
        audit.record_access(request, run_plan.runner, "U", "run_plan", run_plan.code)
        messages.success(request, "Signed off: the runner can carry on with the plan.")
    return _next_or(request, "plans:plan")


@login_required
@require_GET
def run_timer(request: AuthenticatedRequest, code: object) -> HttpResponse:
    run_plan = _own_plan(request, code)
    if run_plan.status != PlanStatus.ACTIVE:
        return redirect("plans:plan")
    stage = run_plan.stage
    return render(
        request,
        "plans/timer_show.html",
        {
            "plan": run_plan,
            "stage_number": run_plan.stage_index + 1,
            "stage_text": queries.stage_text(stage, queries.unit_of(request.user)),
            "intervals": stage.intervals(),
            "intervals_json": json.dumps([list(i) for i in stage.intervals()]),
            "distance_stage": stage.total_distance_m is not None,
            "waiting_for": run_plan.waiting_for(),
        },
    )


@login_required
@require_GET
def download_calendar(request: AuthenticatedRequest, code: object) -> HttpResponse:
    """The coming sessions as an .ics file for the runner's own calendar app."""
    run_plan = _own_plan(request, code)
    view = queries.plan_view(run_plan, request.user)
    text = calendar.ics(view.upcoming_all, str(run_plan.code), view.template.name, timezone.now())
    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="return-to-run-plan.ics"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def review_cadence(request: AuthenticatedRequest) -> HttpResponse:
    view = queries.cadence_view(request.user)
    suggested = None
    if view.target is not None:
        suggested = view.target.target_spm
    elif view.baseline is not None and view.target_range is not None:
        suggested = round(sum(view.target_range) / 2)
    form = forms.CadenceTargetForm(request.POST or None, initial={"target_spm": suggested})
    if request.method == "POST" and form.is_valid():
        services.set_cadence_target(
            request.user,
            form.cleaned_data["target_spm"],
            set_by=request.user,
            baseline_spm=view.baseline.spm if view.baseline else None,
            note=form.cleaned_data["note"],
        )
        messages.success(request, "Your cadence target is saved.")
        return redirect("plans:review-cadence")
    bpm = view.target.target_spm if view.target else (view.target_range or (170, 0))[0]
    return render(
        request,
        "plans/cadence_review.html",
        {
            "view": view,
            "form": form,
            "bpm": bpm,
            "click_form": forms.ClickTrackForm(initial={"bpm": bpm, "minutes": 20}),
            "chart_points": view.chart_points(),
        },
    )


@login_required
@require_POST
def set_runner_target(request: AuthenticatedRequest, code: object) -> HttpResponse:
    """A linked physiotherapist sets a runner's cadence target."""
    if not request.user.is_clinician:
        raise Http404
    runner = get_object_or_404(
        User.objects.filter(visible_runner_ids(request.user)).exclude(pk=request.user.pk),
        code=code,
    )
    form = forms.CadenceTargetForm(request.POST)
    if form.is_valid():
        baseline = queries.cadence_view(runner).baseline
        services.set_cadence_target(
            runner,
            form.cleaned_data["target_spm"],
            set_by=request.user,
            baseline_spm=baseline.spm if baseline else None,
            note=form.cleaned_data["note"],
        )
        audit.record_access(request, runner, "C", "cadence_target", runner.code)
        messages.success(request, f"Cadence target saved for {runner.display_name}.")
    else:
        messages.error(request, "A target must be between 140 and 220 steps per minute.")
    return _next_or(request, "plans:plan")


@login_required
@require_GET
def download_click_track(request: AuthenticatedRequest) -> HttpResponse:
    form = forms.ClickTrackForm(request.GET)
    if not form.is_valid():
        messages.error(request, "Choose 40-220 clicks per minute and a length of 1-60 minutes.")
        return redirect("plans:review-cadence")
    bpm, minutes = form.cleaned_data["bpm"], form.cleaned_data["minutes"]
    audio = technique.click_track_wav(bpm, minutes * 60)
    response = HttpResponse(audio, content_type="audio/wav")
    response["Content-Disposition"] = (
        f'attachment; filename="cadence-{bpm}-per-minute-{minutes}-min.wav"'
    )
    return response


def _shoe_form_values(request: AuthenticatedRequest, form: forms.ShoeForm) -> dict[str, object]:
    data = dict(form.cleaned_data)
    data["starting_distance_m"] = from_unit(
        data.pop("starting_distance"), queries.unit_of(request.user)
    )
    return data


@login_required
@require_http_methods(["GET", "POST"])
def list_shoes(request: AuthenticatedRequest) -> HttpResponse:
    form = forms.NewShoeForm(
        request.POST or None, initial={"start_date": queries.today_for(request.user)}
    )
    if request.method == "POST" and form.is_valid():
        values = _shoe_form_values(request, form)
        services.add_shoe(request.user, **values)  # type: ignore[arg-type]
        messages.success(request, f"Added {values['name']}.")
        return redirect("plans:list-shoes")
    rows, advice = queries.shoe_rows(request.user)
    return render(request, "plans/shoe_list.html", {"rows": rows, "advice": advice, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def show_shoe(request: AuthenticatedRequest, code: object) -> HttpResponse:
    shoe = get_object_or_404(Shoe, runner=request.user, code=code)
    unit = queries.unit_of(request.user)
    form = forms.ShoeForm(
        request.POST or None,
        initial={
            "name": shoe.name,
            "start_date": shoe.start_date,
            "starting_distance": round(shoe.starting_distance_m / unit.metres, 1),
            "is_default": shoe.is_default,
            "first_check_km": shoe.first_check_km,
            "second_check_km": shoe.second_check_km,
            "retired": shoe.retired,
        },
    )
    if request.method == "POST" and form.is_valid():
        services.update_shoe(shoe, **_shoe_form_values(request, form))
        messages.success(request, "Saved.")
        return redirect("plans:show-shoe", code=shoe.code)
    detail = queries.shoe_detail(shoe, request.user)
    return render(request, "plans/shoe_show.html", {"detail": detail, "form": form})


@login_required
@require_POST
def delete_shoe(request: AuthenticatedRequest, code: object) -> HttpResponse:
    shoe = get_object_or_404(Shoe, runner=request.user, code=code)
    name = shoe.name
    runs = services.delete_shoe(shoe)
    messages.info(request, f"Deleted {name}. Its {runs} run(s) are kept, without a shoe.")
    return redirect("plans:list-shoes")


@login_required
@require_POST
def assign_shoe(request: AuthenticatedRequest, code: object) -> HttpResponse:
    """Change the shoe of one run (the runner's own choice wins over automatic assignment)."""
    activity = get_object_or_404(Activity, runner=request.user, code=code)
    shoe_code = request.POST.get("shoe", "")
    shoe = get_object_or_404(Shoe, runner=request.user, code=shoe_code) if shoe_code else None
    services.assign_shoe(activity, shoe, automatic=False)
    messages.success(request, "Shoe saved for that run.")
    return _next_or(request, "plans:list-shoes")
