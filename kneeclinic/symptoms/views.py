"""Diary pages: the symptom checker, pain entries, self-help and the Kujala scale."""

from __future__ import annotations

import json
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kneeclinic.accounts.access import visible_to
from kneeclinic.accounts.models import User
from kneeclinic.accounts.types import AuthenticatedRequest
from kneeclinic.activities.models import Activity
from kneeclinic.clinic import audit
from kneeclinic.domain import pain, proms, selfhelp, triage, triage_fhir
from kneeclinic.symptoms import charts, queries, services
from kneeclinic.symptoms.forms import (
    AdviceForm,
    AkpsForm,
    IbuprofenCheckForm,
    MorningForm,
    PainEntryForm,
    QuestionForm,
    SelfHelpLogForm,
)
from kneeclinic.symptoms.models import CheckerRun

FHIR_JSON = "application/fhir+json"
ARTICLES: dict[selfhelp.Measure, str] = {
    selfhelp.Measure.REST: "rest-and-modifying-training",
    selfhelp.Measure.ICE: "ice",
    selfhelp.Measure.PAINKILLERS: "painkillers",
    selfhelp.Measure.TAPING: "taping-braces-insoles",
    selfhelp.Measure.BRACE: "taping-braces-insoles",
    selfhelp.Measure.SHOE_INSERTS: "taping-braces-insoles",
}


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


# --- Diary -------------------------------------------------------------------------------------


@login_required
def diary(request: AuthenticatedRequest) -> HttpResponse:
    runner = request.user
    context = {
        "status": queries.pain_status(runner),
        "entries": queries.diary_rows(runner),
        "chart": charts.pain_chart_data(queries.pain_chart(runner)),
        "summaries": queries.self_help_summaries(runner),
        "not_proof": selfhelp.NOT_PROOF,
        "last_check": CheckerRun.objects.filter(runner=runner, completed_at__isnull=False).first(),
    }
    return render(request, "symptoms/diary_show.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def add_pain(request: AuthenticatedRequest) -> HttpResponse:
    """Record pain; ``?run=<code>&when=after_run`` links it to a run and preselects the time."""
    runner = request.user
    if request.method == "POST":
        form = PainEntryForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            run = Activity.objects.filter(runner=runner, code=data["run"]).first()
            try:
                services.record_pain(
                    runner,
                    pain_nrs=data["pain_nrs"],
                    when=data["when"],
                    knee=data["knee"],
                    spot=data["spot"],
                    note=data["note"],
                    at=data["at"],
                    client_token=data["client_token"],
                    activity=run,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, f"Saved: pain {data['pain_nrs']} out of 10.")
                return redirect("symptoms:diary")
        run = None
    else:
        initial = {"knee": runner.sore_knee, "client_token": uuid.uuid4()}
        if request.GET.get("when") in {w.value for w in pain.PainWhen}:
            initial["when"] = request.GET["when"]
        run = _own_run(runner, request.GET.get("run", ""))
        if run is not None:
            initial["run"] = run.code
        form = PainEntryForm(initial=initial)
    return render(request, "symptoms/pain_add.html", {"form": form, "run": run})


def _own_run(runner: User, code: str) -> Activity | None:
    try:
        return Activity.objects.filter(runner=runner, code=uuid.UUID(code)).first()
    except ValueError:
        return None


@login_required
@require_POST
def record_morning(request: AuthenticatedRequest) -> HttpResponse:
    form = MorningForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a number from 0 to 10.")
        return redirect("core:today")
    services.record_pain(
        request.user,
        pain_nrs=form.cleaned_data["pain_nrs"],
        when=pain.PainWhen.NEXT_MORNING,
        knee=request.user.sore_knee,
        client_token=form.cleaned_data["client_token"],
    )
    messages.success(
        request, f"Thank you: this morning's pain saved as {form.cleaned_data['pain_nrs']}/10."
    )
    return redirect("core:today")


@login_required
@require_POST
def delete_pain(request: AuthenticatedRequest, code: uuid.UUID) -> HttpResponse:
    if not services.delete_pain(request.user, code):
        raise Http404
    messages.success(request, "The pain entry was deleted.")
    return redirect("symptoms:diary")


@login_required
@require_POST
def record_advice(request: AuthenticatedRequest) -> HttpResponse:
    form = AdviceForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    services.record_advice(request.user, note=note)
    messages.success(request, "Noted: you have had advice from a physiotherapist.")
    target = "symptoms:diary" if request.POST.get("next") == "diary" else "core:today"
    return redirect(target)


# --- Symptom checker ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def start_checker(request: AuthenticatedRequest) -> HttpResponse:
    if request.method == "POST":
        run = services.start_checker(request.user)
        first = triage.QUESTIONS[0]
        return redirect("symptoms:answer-question", code=run.code, question_id=first.id)
    return render(request, "symptoms/checker_start.html", {"sections": triage.SECTION_TITLES})


def _progress(answers: dict[str, triage.AnswerValue], question: triage.Question) -> tuple[int, int]:
    enabled = [q for q in triage.QUESTIONS if triage.is_enabled(q, answers)]
    ids = [q.id for q in enabled]
    return ids.index(question.id) + 1, len(enabled)


def _previous(answers: dict[str, triage.AnswerValue], question: triage.Question) -> str | None:
    before = []
    for q in triage.QUESTIONS:
        if q.id == question.id:
            break
        if q.id in answers and triage.is_enabled(q, answers):
            before.append(q.id)
    return before[-1] if before else None


def _initial(question: triage.Question, value: triage.AnswerValue | None) -> object:
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    return list(value) if isinstance(value, tuple) else value


@login_required
@require_http_methods(["GET", "POST"])
def answer_question(
    request: AuthenticatedRequest, code: uuid.UUID, question_id: str
) -> HttpResponse:
    run = get_object_or_404(CheckerRun.objects.filter(runner=request.user), code=code)
    question = triage.QUESTIONS_BY_ID.get(question_id)
    answers = services.checker_answers(run)
    if question is None or not triage.is_enabled(question, answers):
        raise Http404
    if request.method == "POST":
        form = QuestionForm(question, request.POST)
        if form.is_valid():
            run = services.answer_question(run, question.id, form.value())
            following = triage.next_question(services.checker_answers(run))
            if following is None:
                return redirect("symptoms:show-result", code=run.code)
            return redirect("symptoms:answer-question", code=run.code, question_id=following.id)
    else:
        form = QuestionForm(
            question, initial={"answer": _initial(question, answers.get(question.id))}
        )
    number, total = _progress(answers, question)
    context = {
        "run": run,
        "question": question,
        "form": form,
        "number": number,
        "total": total,
        "section": triage.SECTION_TITLES[question.section],
        "previous": _previous(answers, question),
    }
    template = "symptoms/checker_question.html"
    response = render(request, f"{template}#step" if _is_htmx(request) else template, context)
    if _is_htmx(request):
        response["HX-Push-Url"] = request.path
    return response


@login_required
@require_GET
def show_result(request: AuthenticatedRequest, code: uuid.UUID) -> HttpResponse:
    run = get_object_or_404(CheckerRun.objects.filter(visible_to(request.user)), code=code)
    audit.record_access(request, run.runner, "R", "checker_run", run.code)
    try:
        answers = triage.validate_answers(services.checker_answers(run))
        missing = triage.next_question(answers)
        if missing is not None:
            return redirect("symptoms:answer-question", code=run.code, question_id=missing.id)
        outcome = triage.evaluate(answers)
    except triage.TriageError:
        messages.error(
            request,
            "This check was made with an older set of questions and cannot be shown. "
            "Please answer the current questions.",
        )
        return redirect("symptoms:start-checker")
    urgent = outcome.level in (triage.Level.EMERGENCY, triage.Level.URGENT_SAME_DAY)
    template = "symptoms/checker_result.html"
    response = render(
        request,
        f"{template}#result" if _is_htmx(request) else template,
        {"run": run, "outcome": outcome, "urgent": urgent},
    )
    if _is_htmx(request):
        response["HX-Push-Url"] = request.path
    return response


@require_GET
def show_questionnaire(request: HttpRequest) -> JsonResponse:
    """The checker's questions as a FHIR R4 Questionnaire (public: it holds no personal data)."""
    return JsonResponse(triage_fhir.build_questionnaire(), content_type=FHIR_JSON)


def _operation_outcome(message: str) -> dict[str, object]:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "invalid", "diagnostics": message}],
    }


@login_required
@require_POST
def submit_response(request: AuthenticatedRequest) -> JsonResponse:
    """Accept a FHIR QuestionnaireResponse and answer with the outcome."""
    try:
        resource = json.loads(request.body)
        run, outcome = services.save_response(request.user, resource)
    except json.JSONDecodeError:
        return JsonResponse(_operation_outcome("The body is not valid JSON."), status=400)
    except triage.TriageError as error:
        return JsonResponse(_operation_outcome(str(error)), status=400)
    data = triage_fhir.outcome_to_dict(outcome)
    data["result_url"] = reverse("symptoms:show-result", kwargs={"code": run.code})
    response = JsonResponse(data, status=201)
    response["Location"] = data["result_url"]
    return response


# --- Self-help ---------------------------------------------------------------------------------


@login_required
def list_selfhelp(request: AuthenticatedRequest) -> HttpResponse:
    context = {
        "guidance": list(selfhelp.GUIDANCE.values()),
        "form": SelfHelpLogForm(),
        "logs": queries.self_help_rows(request.user),
        "summaries": queries.self_help_summaries(request.user),
    }
    return render(request, "symptoms/selfhelp_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def log_selfhelp(request: AuthenticatedRequest) -> HttpResponse:
    form = SelfHelpLogForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.log_self_help(
                request.user, data["measure"], minutes=data["minutes"], note=data["note"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            title = selfhelp.GUIDANCE[selfhelp.Measure(data["measure"])].title
            messages.success(request, f"Logged: {title.lower()}.")
            return redirect("symptoms:list-selfhelp")
    return render(request, "symptoms/selfhelp_log.html", {"form": form})


@login_required
def show_selfhelp(request: AuthenticatedRequest, measure: str) -> HttpResponse:
    try:
        chosen = selfhelp.Measure(measure)
    except ValueError:
        raise Http404 from None
    summary = next(
        (s for s in queries.self_help_summaries(request.user) if s.measure is chosen), None
    )
    context = {
        "guidance": selfhelp.GUIDANCE[chosen],
        "summary": summary,
        "form": SelfHelpLogForm(initial={"measure": chosen.value}),
        "ice_minutes": selfhelp.ICE_MAX_MINUTES,
        "article": ARTICLES[chosen],
        "is_ice": chosen is selfhelp.Measure.ICE,
        "is_painkillers": chosen is selfhelp.Measure.PAINKILLERS,
    }
    return render(request, "symptoms/selfhelp_show.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def check_painkillers(request: AuthenticatedRequest) -> HttpResponse:
    form = IbuprofenCheckForm(request.POST or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = selfhelp.ibuprofen_suitability(form.cleaned_data["age_years"], form.answers())
    return render(request, "symptoms/painkillers_check.html", {"form": form, "result": result})


# --- Kujala ------------------------------------------------------------------------------------


@login_required
def list_kujala(request: AuthenticatedRequest) -> HttpResponse:
    history = queries.akps_history(request.user)
    change = proms.compare_akps(history[0].total, history[-1].total) if len(history) > 1 else None
    context = {
        "history": history,
        "change": change,
        "chart": charts.akps_chart_data(history, request.user),
        "reminder": queries.akps_reminder(request.user),
        "mic": proms.AKPS_MIC_POINTS,
    }
    return render(request, "symptoms/kujala_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def add_kujala(request: AuthenticatedRequest) -> HttpResponse:
    form = AkpsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            response = services.submit_akps(request.user, dict(form.cleaned_data))
        except proms.PromError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Saved: your Kujala score is {response.total} out of 100.")
            return redirect("symptoms:list-kujala")
    return render(request, "symptoms/kujala_add.html", {"form": form, "items": proms.AKPS_ITEMS})
