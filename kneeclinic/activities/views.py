"""Runs pages: the list, one run, edits, a run entered by hand, and imports with live progress."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kneeclinic.accounts.access import visible_to
from kneeclinic.accounts.types import AuthenticatedRequest
from kneeclinic.activities import queries, quota, services, storage
from kneeclinic.activities.forms import EditRunForm, ManualRunForm, RunFilterForm
from kneeclinic.activities.models import Activity, Import, Merge
from kneeclinic.clinic import audit
from kneeclinic.core.resources import declared_length
from kneeclinic.domain import units


def _unit(request: AuthenticatedRequest) -> units.DistanceUnit:
    return units.DistanceUnit(request.user.units)


def _own_run(request: AuthenticatedRequest, code: object) -> Activity:
    return get_object_or_404(Activity, code=code, runner=request.user)


@login_required
@require_GET
def list_runs(request: AuthenticatedRequest) -> HttpResponse:
    form = RunFilterForm(request.GET or None)
    chosen = queries.RunFilter()
    if form.is_valid():
        data = form.cleaned_data
        chosen = queries.RunFilter(data["sport"], data["start"], data["end"], data["q"].strip())
    rows = queries.runs(request.user, request.user, chosen)
    page = queries.page_of(rows, request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": queries.list_rows(page, _unit(request), request.user.tz),
        "query": query.urlencode(),
        "filtered": chosen != queries.RunFilter(),
    }
    return render(request, "activities/run_list.html", context)


@login_required
@require_GET
def show_run(request: AuthenticatedRequest, code: object) -> HttpResponse:
    activity = get_object_or_404(
        Activity.objects.filter(visible_to(request.user)).select_related(
            "streams", "file", "runner"
        ),
        code=code,
    )
    audit.record_access(request, activity.runner, "R", "activity", activity.code)
    unit = _unit(request)
    samples = queries.samples_of(activity)
    return render(
        request,
        "activities/run_show.html",
        {
            "activity": activity,
            "own": activity.runner_id == request.user.pk,
            "facts": queries.facts(activity, unit),
            "charts": queries.chart_data(samples, unit),
            "route": queries.route_path(samples),
            "laps": queries.laps(activity, unit),
            "merges": list(activity.merges.all()),
            "spike": queries.spike_of(activity),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit_run(request: AuthenticatedRequest, code: object) -> HttpResponse:
    activity = _own_run(request, code)
    current = getattr(getattr(activity, "shoe_use", None), "shoe", None)
    form = EditRunForm(
        request.POST or None, instance=activity, runner=request.user, initial={"shoe": current}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.update_activity(
            Activity.objects.get(pk=activity.pk),
            name=data["name"],
            sport=data["sport"],
            excluded_from_load=data["excluded_from_load"],
            shoe=data["shoe"],
            shoe_given=True,
        )
        messages.success(request, "Saved.")
        return redirect("activities:show-run", code=activity.code)
    return render(request, "activities/run_edit.html", {"activity": activity, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def delete_run(request: AuthenticatedRequest, code: object) -> HttpResponse:
    activity = _own_run(request, code)
    if request.method == "POST":
        services.delete_activity(activity)
        messages.success(request, f"Deleted {activity.name or 'the run'}.")
        return redirect("activities:list-runs")
    return render(request, "activities/run_delete.html", {"activity": activity})


@login_required
@require_POST
def undo_merge(request: AuthenticatedRequest, code: object) -> HttpResponse:
    merge = get_object_or_404(Merge, code=code, kept__runner=request.user)
    kept = merge.kept
    activity = services.undo_merge(merge)
    if activity is None:
        messages.error(request, "That file can no longer be read, so it stays merged.")
        return redirect("activities:show-run", code=kept.code)
    messages.success(request, "Now a run of its own. Delete whichever copy you do not want.")
    return redirect("activities:show-run", code=activity.code)


@login_required
@require_GET
def download_original(request: AuthenticatedRequest, code: object) -> FileResponse:
    activity = _own_run(request, code)
    link = getattr(activity, "file", None)
    if link is None:
        raise Http404("This run was not imported from a file.")
    name = link.name.rsplit("/", 1)[-1] or "activity"
    if link.member_index is None:
        return FileResponse(storage.open_stored(link.stored), as_attachment=True, filename=name)
    data = storage.read_original(link.stored, link.member_index)
    return FileResponse(io.BytesIO(data), as_attachment=True, filename=name)


@login_required
@require_http_methods(["GET", "POST"])
def create_run(request: AuthenticatedRequest) -> HttpResponse:
    today = timezone.localdate(timezone=request.user.tz)
    form = ManualRunForm(request.POST or None, runner=request.user, initial={"day": today})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        activity = services.create_manual_run(
            request.user,
            start=form.start(),
            distance_m=data["distance"],
            duration_s=data["duration"],
            sport=data["sport"],
            how_it_felt=data["how_it_felt"],
            name=data["name"],
        )
        messages.success(request, "Run saved.")
        return redirect("activities:show-run", code=activity.code)
    return render(request, "activities/run_form.html", {"form": form})


# --- imports ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def import_files(request: AuthenticatedRequest) -> HttpResponse:
    # A body over UPLOAD_MAX_BYTES never gets here: core.resources refuses it unread.
    if request.method == "POST":
        over = quota.refusal(request.user, declared_length(request))
        if over is not None:
            return _import_page(request, error=over, status=413)
        uploads = request.FILES.getlist("files")
        if not uploads:
            return _import_page(request, error="Choose at least one file.", status=400)
        with transaction.atomic():
            batch = services.create_import(request.user, map(services.upload_of, uploads))
            services.enqueue(batch)
        return redirect("activities:show-import", code=batch.code)
    return _import_page(request)


def _import_page(request: AuthenticatedRequest, error: str = "", status: int = 200) -> HttpResponse:
    recent = queries.imports_of(request.user)[:10]
    return render(
        request, "activities/import_files.html", {"error": error, "recent": recent}, status=status
    )


@login_required
@require_GET
def show_import(request: AuthenticatedRequest, code: object) -> HttpResponse:
    batch = get_object_or_404(Import, code=code, runner=request.user)
    if services.needs_restart(batch):
        services.enqueue(batch)  # its worker was stopped: carry on where it left off
    context = {
        "batch": batch,
        "failures": queries.failures(batch)[:500],
        "spikes": [] if batch.is_active else queries.spikes_in(batch),
    }
    if request.headers.get("HX-Request"):
        return render(request, "activities/import_show.html#progress", context)
    return render(request, "activities/import_show.html", context)
