"""Reads for the knowledge pages: suggestions for admins and suggesters, clinic pages."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from kneeclinic.accounts.models import Clinic, Role, User
from kneeclinic.knowledge.models import AssessmentRequest, ClinicPage, TopicSuggestion


def is_content_admin(user: User | AnonymousUser) -> bool:
    """Clinic admins look after readers' suggestions (the articles are shared by all clinics)."""
    return bool(user.is_authenticated and user.is_active and user.role == Role.ADMIN)


def open_suggestions() -> QuerySet[TopicSuggestion]:
    """Suggestions not merged away, newest first, with how many duplicates each has absorbed."""
    return (
        TopicSuggestion.objects.exclude(status=TopicSuggestion.Status.MERGED)
        .annotate(duplicate_count=Count("duplicates"))
        .order_by("-created_at")
    )


def merged_suggestions() -> QuerySet[TopicSuggestion]:
    return TopicSuggestion.objects.filter(status=TopicSuggestion.Status.MERGED).select_related(
        "merged_into"
    )


def answered_suggestions_of(user: User | AnonymousUser) -> list[TopicSuggestion]:
    """The reader's own suggestions that an article now answers, newest first."""
    if not user.is_authenticated:
        return []
    return list(
        TopicSuggestion.objects.filter(suggested_by=user)
        .exclude(answered_by="")
        .order_by("-updated_at")[:10]
    )


def clinic_by_code(code: object) -> Clinic:
    return get_object_or_404(Clinic, code=code)


def page_of(clinic: Clinic) -> ClinicPage | None:
    return ClinicPage.objects.filter(clinic=clinic).first()


def can_edit_clinic(user: User | AnonymousUser, clinic: Clinic) -> bool:
    return bool(is_content_admin(user) and user.clinic_id == clinic.pk)  # type: ignore[union-attr]


def can_see_requests(user: User | AnonymousUser, clinic: Clinic) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_clinician
        and user.clinic_id == clinic.pk
    )


def requests_for(clinic: Clinic) -> QuerySet[AssessmentRequest]:
    return AssessmentRequest.objects.filter(clinic=clinic).order_by("handled_at", "-created_at")


def all_clinics() -> QuerySet[Clinic]:
    return Clinic.objects.order_by("name")
