"""The Learn pages, article pages, search, topic suggestions and clinic pages."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kneeclinic.accounts.models import User
from kneeclinic.accounts.types import AuthenticatedRequest
from kneeclinic.knowledge import library, queries, services
from kneeclinic.knowledge.forms import (
    AssessmentRequestForm,
    ClinicPageForm,
    SearchForm,
    SuggestionForm,
    SuggestionStatusForm,
)
from kneeclinic.knowledge.models import TopicSuggestion
from kneeclinic.knowledge.rendering import render_article_body, render_markdown
from kneeclinic.knowledge.search import search

THANKS = "Thank you! We read every suggestion and use them to decide what to write next."


def _address(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _user(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


@require_GET
def learn(request: HttpRequest) -> HttpResponse:
    by_slug = library.articles_by_slug()
    answered = [
        (suggestion, by_slug[suggestion.answered_by])
        for suggestion in queries.answered_suggestions_of(request.user)
        if suggestion.answered_by in by_slug
    ]
    if answered and isinstance(request.user, User):
        services.mark_answers_seen(request.user)
    return render(
        request,
        "knowledge/learn.html",
        {
            "shelves": library.shelves(),
            "search_form": SearchForm(),
            "suggestion_form": SuggestionForm(),
            "answered": answered,
            "is_content_admin": queries.is_content_admin(request.user),
        },
    )


@require_GET
def search_articles(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    query = form.data.get("q", "") if form.is_valid() else ""
    results = search(str(query)) if query.strip() else None
    template = "knowledge/search.html"
    if request.headers.get("HX-Request"):
        template += "#results"
    return render(request, template, {"search_form": form, "results": results, "query": query})


@require_GET
def show_article(request: HttpRequest, slug: str) -> HttpResponse:
    article = library.get_article(slug)
    return render(
        request,
        "knowledge/article_detail.html",
        {
            "article": article,
            "body": render_article_body(article.slug, article.body),
            "suggestion_form": SuggestionForm(initial={"from_article": article.slug}),
            "related": [library.articles_by_slug()[s] for s in dict.fromkeys(article.linked_slugs)],
        },
    )


@require_POST
def suggest_topic(request: HttpRequest) -> HttpResponse:
    form = SuggestionForm(request.POST)
    status = 200
    if form.is_valid():
        if not form.is_robot():
            try:
                services.suggest_topic(
                    text=form.cleaned_data["text"],
                    address=_address(request),
                    user=_user(request),
                    from_article=form.cleaned_data["from_article"] or "",
                )
            except services.Throttled as throttled:
                form.add_error(None, str(throttled))
                status = 429
        if status == 200:
            if request.headers.get("HX-Request"):
                return render(request, "knowledge/_suggest.html#thanks", {"thanks": THANKS})
            messages.success(request, THANKS)
            return redirect(_back(form))
    else:
        status = 400
    return render(
        request, "knowledge/suggestion_form.html", {"suggestion_form": form}, status=status
    )


def _back(form: SuggestionForm) -> str:
    slug = form.cleaned_data.get("from_article") or ""
    if slug in library.articles_by_slug():
        return reverse("knowledge:show-article", args=[slug])
    return reverse("knowledge:learn")


@login_required
@require_GET
def list_suggestions(request: AuthenticatedRequest) -> HttpResponse:
    if not queries.is_content_admin(request.user):
        raise PermissionDenied
    return render(
        request,
        "knowledge/suggestion_list.html",
        {
            "suggestions": queries.open_suggestions(),
            "merged": queries.merged_suggestions(),
            "articles": library.articles_by_slug(),
            "article_choices": library.all_articles(),
        },
    )


@login_required
@require_POST
def update_suggestion(request: AuthenticatedRequest, code: uuid.UUID) -> HttpResponse:
    if not queries.is_content_admin(request.user):
        raise PermissionDenied
    suggestion = get_object_or_404(TopicSuggestion, code=code)
    form = SuggestionStatusForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("knowledge:list-suggestions")
    action = form.cleaned_data["action"]
    if action == "merge":
        try:
            services.merge_suggestion(suggestion, form.cleaned_data["merge_target"])
        except ValueError as problem:
            messages.error(request, str(problem))
            return redirect("knowledge:list-suggestions")
    else:
        services.set_suggestion_status(
            suggestion, action, answered_by=form.cleaned_data.get("answered_by") or ""
        )
    messages.success(request, "Suggestion updated.")
    return redirect("knowledge:list-suggestions")


# --- Clinic pages -----------------------------------------------------------------------------


@require_GET
def list_clinics(request: HttpRequest) -> HttpResponse:
    return render(request, "knowledge/clinic_list.html", {"clinics": queries.all_clinics()})


@require_GET
def show_clinic(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    clinic = queries.clinic_by_code(code)
    return _clinic_page(request, clinic, AssessmentRequestForm())


def _clinic_page(
    request: HttpRequest, clinic: object, form: AssessmentRequestForm, status: int = 200
) -> HttpResponse:
    page = queries.page_of(clinic)  # type: ignore[arg-type]
    sections = []
    if page is not None:
        sections = [
            (title, render_markdown(text))
            for title, text in (
                ("Our musculoskeletal services", page.services),
                ("Diagnostic options", page.diagnostics),
                ("How to book", page.how_to_book),
            )
            if text.strip()
        ]
    return render(
        request,
        "knowledge/clinic_detail.html",
        {
            "clinic": clinic,
            "page": page,
            "introduction": render_markdown(page.introduction) if page else "",
            "sections": sections,
            "form": form,
            "can_edit": queries.can_edit_clinic(request.user, clinic),  # type: ignore[arg-type]
            "can_see_requests": queries.can_see_requests(request.user, clinic),  # type: ignore[arg-type]
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit_clinic(request: AuthenticatedRequest, code: uuid.UUID) -> HttpResponse:
    clinic = queries.clinic_by_code(code)
    if not queries.can_edit_clinic(request.user, clinic):
        raise PermissionDenied
    page = queries.page_of(clinic)
    initial = {field: getattr(page, field) for field in ClinicPageForm.base_fields} if page else {}
    form = ClinicPageForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.update_clinic_page(
            clinic, services.ClinicPageInput(**form.cleaned_data), by=request.user
        )
        messages.success(request, "The clinic page is saved.")
        return redirect("knowledge:show-clinic", code=clinic.code)
    return render(request, "knowledge/clinic_form.html", {"clinic": clinic, "form": form})


@require_POST
def request_assessment(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    clinic = queries.clinic_by_code(code)
    form = AssessmentRequestForm(request.POST)
    if not form.is_valid():
        return _clinic_page(request, clinic, form, status=400)
    if not form.is_robot():
        data = form.cleaned_data
        try:
            services.request_assessment(
                clinic,
                name=data["name"],
                email=data["email"],
                phone=data["phone"],
                message=data["message"],
                address=_address(request),
                user=_user(request),
            )
        except services.Throttled as throttled:
            form.add_error(None, str(throttled))
            return _clinic_page(request, clinic, form, status=429)
    messages.success(
        request, f"Your request has been sent to {clinic.name}. They will contact you by email."
    )
    return redirect("knowledge:show-clinic", code=clinic.code)


@login_required
@require_http_methods(["GET", "POST"])
def list_requests(request: AuthenticatedRequest, code: uuid.UUID) -> HttpResponse:
    clinic = queries.clinic_by_code(code)
    if not queries.can_see_requests(request.user, clinic):
        raise PermissionDenied
    if request.method == "POST":
        handled = get_object_or_404(
            queries.requests_for(clinic), code=request.POST.get("request", "")
        )
        services.mark_request_handled(handled)
        messages.success(request, "Marked as handled.")
        return redirect("knowledge:list-requests", code=clinic.code)
    return render(
        request,
        "knowledge/request_list.html",
        {"clinic": clinic, "requests": queries.requests_for(clinic)},
    )
