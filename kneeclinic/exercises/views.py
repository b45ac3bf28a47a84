"""Exercise pages: my programme, the library, the session player and its sync endpoint."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from pydantic import ValidationError

from kneeclinic.accounts.types import AuthenticatedRequest
from kneeclinic.domain import exercises as library
from kneeclinic.domain import programmes as domain
from kneeclinic.exercises import prescribing, queries, services
from kneeclinic.exercises.models import Decision
from kneeclinic.exercises.schemas import SessionIn, SessionOut

SERVICE_WORKER = Path(__file__).resolve().parent / "sw.js"
MAX_SYNC_BYTES = 64 * 1024


@login_required
@require_GET
def programme(request: AuthenticatedRequest) -> HttpResponse:
    runner = request.user
    active = queries.active_programme(runner)
    context: dict[str, object] = {
        "programme": active,
        "warm_up_minutes": queries.warm_up_minutes(),
        "from_physio": (from_physio := prescribing.recent(runner, limit=5)),
        "has_unseen": any(change.seen_at is None for change in from_physio),
    }
    if active is not None:
        day = queries.local_today(runner)
        today = queries.today(active, day)
        weeks = queries.adherence(active, day)
        suggestions = queries.suggestions(active, today.items)
        context |= {
            "today": today,
            "suggestions": suggestions,
            "changes": queries.group_changes(active, suggestions),
            "weeks": weeks[-4:],
            "this_week": weeks[-1] if weeks and weeks[-1].week == today.week else None,
            "overall": domain.overall_adherence(weeks),
            "calendar": queries.calendar(active, day, weeks),
            "decisions": Decision.objects.filter(item__programme=active)[:5],
            "recent": queries.recent_sessions(runner, limit=5),
        }
    else:
        context["default"] = domain.default_programme()
    return render(request, "exercises/programme_show.html", context)


@login_required
@require_POST
def start_programme(request: AuthenticatedRequest) -> HttpResponse:
    services.start_default_programme(request.user, queries.local_today(request.user))
    messages.success(request, "Your programme starts today. Your first session is ready.")
    return redirect("exercises:programme")


@login_required
@require_POST
def seen_changes(request: AuthenticatedRequest) -> HttpResponse:
    """The runner has read their physio's changes: they stop showing as new."""
    prescribing.mark_seen(request.user)
    return redirect("core:today" if request.POST.get("next") == "today" else "exercises:programme")


@login_required
@require_POST
def stop_programme(request: AuthenticatedRequest) -> HttpResponse:
    services.stop_programme(request.user)
    messages.success(request, "Your programme is stopped. Your sessions stay in your history.")
    return redirect("exercises:programme")


@login_required
@require_GET
def list_exercises(request: AuthenticatedRequest) -> HttpResponse:
    groups = [
        ("Strengthening", library.by_category(library.Category.STRENGTH)),
        ("Stretches", library.by_category(library.Category.STRETCH)),
        ("Warm-up before a run", library.by_category(library.Category.WARM_UP)),
    ]
    return render(request, "exercises/exercise_list.html", {"groups": groups})


@login_required
@require_GET
def show_exercise(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    try:
        exercise = library.get_exercise(slug)
    except library.ExerciseError:
        raise Http404("No such exercise") from None
    points = queries.history(request.user, slug)
    links = {
        "harder": library.get_exercise(exercise.progression) if exercise.progression else None,
        "easier": library.get_exercise(exercise.regression) if exercise.regression else None,
    }
    chart = {
        "labels": [p.day.isoformat() for p in points],
        "pain": [p.pain_nrs for p in points],
        "sets": [p.sets_done for p in points],
    }
    return render(
        request,
        "exercises/exercise_show.html",
        {
            "exercise": exercise,
            "points": points,
            "chart": chart,
            "sources": [library.plain_source(ref) for ref in exercise.evidence],
            **links,
        },
    )


def _player_item(item: domain.ProgrammeItem, order: int) -> dict[str, object]:
    exercise = library.get_exercise(item.slug)
    dose = item.dose
    start, end = exercise.illustrations
    return {
        "slug": exercise.slug,
        "order": order,
        "name": exercise.name,
        "targets": exercise.targets,
        "steps": list(exercise.steps),
        "mistakes": list(exercise.mistakes),
        "sets": dose.sets,
        "reps": dose.reps,
        "hold_s": dose.hold_s,
        "each_side": dose.each_side,
        "load": dose.load,
        "rest_s": dose.rest_s,
        "dose": dose.describe(),
        "note": item.note,
        "start_img": static(f"exercises/{start.slug}.svg"),
        "end_img": static(f"exercises/{end.slug}.svg"),
        "start_alt": start.alt,
        "end_alt": end.alt,
    }


def _player(request: AuthenticatedRequest, warm_up: bool) -> HttpResponse:
    active = queries.active_programme(request.user)
    if warm_up:
        items = list(domain.warm_up())
        title = "Warm-up before your run"
    elif active is None:
        messages.info(request, "Start a programme first; then your sessions appear here.")
        return redirect("exercises:programme")
    else:
        week = queries.current_week(active, queries.local_today(request.user))
        items = [item.as_domain() for item in queries.items_for_week(active, week)]
        title = "Today's session"
    data = {
        "title": title,
        "warmUp": warm_up,
        "programme": str(active.code) if active and not warm_up else None,
        "syncUrl": reverse("exercises:sync-session"),
        "programmeUrl": reverse("exercises:programme"),
        "serviceWorker": reverse("exercises:service-worker"),
        "scope": reverse("exercises:programme"),
        "items": [_player_item(item, n) for n, item in enumerate(items)],
        "assets": [static("css/app.css"), static("js/exercises-player.js"), static("js/app.js")],
    }
    minutes = round(domain.estimated_duration_s(items) / 60)
    return render(
        request,
        "exercises/session_play.html",
        {
            "data": data,
            "title": title,
            "items": data["items"],
            "minutes": minutes,
            "scale": range(11),
        },
    )


@login_required
@require_GET
def play_session(request: AuthenticatedRequest) -> HttpResponse:
    return _player(request, warm_up=False)


@login_required
@require_GET
def play_warm_up(request: AuthenticatedRequest) -> HttpResponse:
    return _player(request, warm_up=True)


@login_required
@require_POST
def sync_session(request: AuthenticatedRequest) -> JsonResponse:
    """The player sends each session here (again and again until it gets a 200)."""
    if len(request.body) > MAX_SYNC_BYTES:
        return JsonResponse({"error": "That session is too large to store."}, status=413)
    try:
        data = SessionIn.model_validate(json.loads(request.body))
    except (ValueError, ValidationError) as error:
        return JsonResponse({"error": f"That session could not be read: {error}"}, status=400)
    try:
        session, created = services.record_session(request.user, data)
    except services.SessionRejected as error:
        return JsonResponse({"error": str(error)}, status=409)
    out = SessionOut(
        code=session.code, status=session.status, created=created, logs=session.logs.count()
    )
    return JsonResponse(out.model_dump(mode="json"), status=201 if created else 200)


@login_required
@require_POST
def decide_suggestion(request: AuthenticatedRequest, code: uuid.UUID) -> HttpResponse:
    accepted = request.POST.get("answer") == "accept"
    try:
        decision = services.decide(request.user, code, request.POST.get("kind", ""), accepted)
    except services.StaleSuggestion as error:
        messages.warning(request, str(error))
    else:
        name = library.get_exercise(decision.from_slug).name
        if accepted:
            messages.success(request, f"{name}: {decision.summary}")
        else:
            messages.info(request, f"{name}: no change. We will ask again after more sessions.")
    return redirect("exercises:programme")


@require_GET
@never_cache
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, served from /exercises/ so it may look after the player pages."""
    response = HttpResponse(
        SERVICE_WORKER.read_text(encoding="utf-8"), content_type="text/javascript"
    )
    response["Service-Worker-Allowed"] = reverse("exercises:programme")
    return response
