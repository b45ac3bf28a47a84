from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from kneeclinic.core import health, today


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
