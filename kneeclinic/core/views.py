from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kneeclinic.accounts.types import AuthenticatedRequest
from kneeclinic.core import health, today, tokens
from kneeclinic.core.forms import TokenForm
from kneeclinic.core.models import ApiToken


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
