from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def plan(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "core/coming.html",
        {"title": "Plan", "blurb": "Your graded return-to-run plan"},
    )
