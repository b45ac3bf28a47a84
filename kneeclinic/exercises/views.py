from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def programme(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "core/coming.html",
        {
            "title": "Exercises",
            "blurb": "Your exercise programme, with pictures and a guided session player",
        },
    )
