from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def diary(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "core/coming.html",
        {"title": "Diary", "blurb": "Your pain diary, self-help log and questionnaires"},
    )
