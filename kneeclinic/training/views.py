"""The Load page and its planning check: thin views over queries.py."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kneeclinic.accounts.types import AuthenticatedRequest
from kneeclinic.domain import load as domain
from kneeclinic.training import queries
from kneeclinic.training.forms import PlanForm


def _plan(request: AuthenticatedRequest, summary: domain.LoadSummary) -> dict[str, object]:
    """The planning form and, when a distance was typed, its verdict."""
    if "distance" not in request.GET:
        return {"form": PlanForm(unit=summary.unit), "verdict": None}
    form = PlanForm(request.GET, unit=summary.unit)
    verdict = domain.plan_check(form.cleaned_data["distance"], summary) if form.is_valid() else None
    return {"form": form, "verdict": verdict}


@login_required
@require_GET
def load(request: AuthenticatedRequest) -> HttpResponse:
    key = request.GET.get("range", queries.DEFAULT_RANGE)
    if key not in queries.RANGES:
        key = queries.DEFAULT_RANGE
    summary = queries.summary_for(request.user)
    context = queries.page_context(summary, key) | {
        "plan": _plan(request, summary),
        "session": queries.planned_session(request.user),
    }
    return render(request, "training/load_show.html", context)


@login_required
@require_GET
def check_plan(request: AuthenticatedRequest) -> HttpResponse:
    summary = queries.summary_for(request.user)
    context = {"plan": _plan(request, summary), "summary": summary}
    return render(request, "training/load_show.html#plan-result", context)
