from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def list_runs(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "core/coming.html",
        {"title": "Runs", "blurb": "Your runs, imports from any watch, and each run's charts"},
    )
