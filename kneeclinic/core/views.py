from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kneeclinic.accounts.types import AuthenticatedRequest
from kneeclinic.core import calendar, health, privacy, tasks, today, tokens, transfer
from kneeclinic.core.forms import EraseForm, TokenForm
from kneeclinic.core.models import ApiToken, DataExport


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("core:today")
    return render(request, "core/welcome.html")


@login_required
def today_view(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "core/today.html",
        {"cards": today.cards(request), "greeting": today.greeting(request.user)},
    )


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    database = health.database_status()
    worker = health.worker_status() if database == "ok" else "unknown"
    status = 200 if database == "ok" else 503
    return JsonResponse({"database": database, "worker": worker}, status=status)


def about(request: HttpRequest) -> HttpResponse:
    return render(request, "core/about.html")


@login_required
@require_http_methods(["GET", "POST"])
def list_tokens(request: AuthenticatedRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    new_token = ""
    if request.method == "POST" and form.is_valid():
        _, new_token = tokens.create_token(
            request.user,
            form.cleaned_data["name"],
            form.cleaned_data["scope"],
            int(form.cleaned_data["days"]) or None,
        )
        form = TokenForm()
    rows = ApiToken.objects.filter(user=request.user)
    return render(
        request, "core/token_list.html", {"form": form, "tokens": rows, "new_token": new_token}
    )


@login_required
@require_POST
def revoke_token(request: AuthenticatedRequest, code: UUID) -> HttpResponse:
    if tokens.revoke(request.user, str(code)):
        messages.success(request, "The token is revoked. Scripts using it stop working now.")
    return redirect("core:list-tokens")


@login_required
@require_GET
def your_data(request: AuthenticatedRequest) -> HttpResponse:
    context = {
        "exports": DataExport.objects.filter(runner=request.user)[:5],
        "erasure": privacy.pending_erasure(request.user),
        "kept": privacy.erasure_summary(),
        "erase_form": EraseForm(request.user),
        "calendar_feed": calendar.active_feed(request.user),
    }
    return render(request, "core/your_data.html", context)


@login_required
@require_POST
def start_export(request: AuthenticatedRequest) -> HttpResponse:
    export = privacy.start_export(request.user)
    transaction.on_commit(lambda: tasks.build_export.enqueue(export.pk))
    return redirect("core:your-data")


@login_required
@require_GET
def show_export(request: AuthenticatedRequest, code: UUID) -> HttpResponse:
    export = get_object_or_404(DataExport, runner=request.user, code=code)
    return render(request, "core/your_data.html#export-row", {"export": export})


@login_required
@require_GET
def download_export(request: AuthenticatedRequest, code: UUID) -> FileResponse:
    export = get_object_or_404(DataExport, runner=request.user, code=code)
    path = privacy.export_file(export)
    if path is None:
        raise Http404("This export has expired or is not ready.")
    name = f"kneeclinic-export-{export.created_at:%Y-%m-%d}.zip"
    response = FileResponse(path.open("rb"), as_attachment=True, filename=name)
    response["Content-Type"] = "application/zip"
    return response


@login_required
@require_POST
def request_erasure(request: AuthenticatedRequest) -> HttpResponse:
    form = EraseForm(request.user, request.POST)
    if not form.is_valid():
        problems = [str(error) for errors in form.errors.values() for error in errors]
        messages.error(request, " ".join(problems))
        return redirect("core:your-data")
    erasure = privacy.request_erasure(request.user)
    transaction.on_commit(lambda: tasks.schedule_erasure(erasure.due_at))
    messages.warning(
        request,
        f"Your account will be erased on {erasure.due_at:%d %B %Y}. You can cancel until then.",
    )
    return redirect("core:your-data")


@login_required
@require_POST
def cancel_erasure(request: AuthenticatedRequest) -> HttpResponse:
    if privacy.cancel_erasure(request.user):
        messages.success(request, "Erasure cancelled. Your account and data stay as they are.")
    return redirect("core:your-data")


@login_required
@require_POST
def import_data(request: AuthenticatedRequest) -> HttpResponse:
    upload = request.FILES.get("archive")
    if upload is None:
        messages.error(request, "Choose the export ZIP to import.")
        return redirect("core:your-data")
    if upload.size is not None and upload.size > settings.UPLOAD_MAX_BYTES:
        messages.error(request, "That file is larger than this server accepts.")
        return redirect("core:your-data")
    from kneeclinic.activities import quota

    over = quota.refusal(request.user, upload.size or 0)
    if over is not None:
        messages.error(request, over)
        return redirect("core:your-data")
    try:
        result = transfer.import_export(request.user, upload.read())
    except transfer.TransferError as exc:
        messages.error(request, f"Nothing was imported: {exc}")
        return redirect("core:your-data")
    created = sum(result.created.values())
    existing = sum(result.existing.values())
    messages.success(
        request,
        f"Imported {created} records and {result.files} original files."
        + (f" {existing} were already here and were left as they are." if existing else ""),
    )
    return redirect("core:your-data")


@require_GET
def calendar_feed(request: HttpRequest, secret: str) -> HttpResponse:
    owner = calendar.owner_of(secret)
    if owner is None:
        raise Http404("No calendar at this address.")
    body = calendar.feed_ics(owner, timezone.localdate(timezone=owner.tz))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=900"
    return response


@login_required
@require_POST
def new_calendar_feed(request: AuthenticatedRequest) -> HttpResponse:
    secret = calendar.new_feed(request.user)
    address = request.build_absolute_uri(reverse("core:calendar-feed", args=[secret]))
    messages.success(request, f"Your calendar address (keep it private): {address}")
    return redirect("core:your-data")


@login_required
@require_POST
def revoke_calendar_feed(request: AuthenticatedRequest) -> HttpResponse:
    calendar.revoke(request.user)
    messages.success(request, "The calendar address no longer works.")
    return redirect("core:your-data")


def server_error(request: HttpRequest) -> HttpResponse:
    """The one 500 response: a plain apology and the request id, never a trace or a setting.

    Rendered without the request's context processors, so it works even when what failed was
    the database or the session. The error itself is logged by Django with the same id.
    """
    from kneeclinic.core.middleware import request_id

    rid = request_id(request)
    message = "Something went wrong on our side. Nothing you did caused it; please try again."
    if request.path.startswith("/api/"):
        body = {
            "error": {"code": "server_error", "message": message, "details": {"request_id": rid}}
        }
        return JsonResponse(body, status=500)
    from django.template import loader

    html = loader.get_template("500.html").render({"request_id": rid, "message": message})
    return HttpResponse(html, status=500)
