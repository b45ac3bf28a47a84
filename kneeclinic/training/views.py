from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def load(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "core/coming.html",
        {
            "title": "Load",
            "blurb": "Your weekly distance, your longest run and how far you can safely go next",
        },
    )
