"""Today card: an article answers your suggestion, or (clinic staff) requests are waiting."""

from __future__ import annotations

from django.http import HttpRequest

from kneeclinic.accounts.models import User
from kneeclinic.core.today import Card
from kneeclinic.knowledge import library
from kneeclinic.knowledge.models import AssessmentRequest, TopicSuggestion

TEMPLATE = "knowledge/_today_card.html"


def card(request: HttpRequest) -> Card | None:
    user = request.user
    if not isinstance(user, User):
        return None
    if user.is_clinician and user.clinic_id is not None:
        waiting = AssessmentRequest.objects.filter(
            clinic_id=user.clinic_id, handled_at__isnull=True
        ).count()
        if waiting:
            return Card(template=TEMPLATE, context={"clinic": user.clinic, "waiting": waiting})
    unseen = (
        TopicSuggestion.objects.filter(suggested_by=user, seen_by_suggester_at__isnull=True)
        .exclude(answered_by="")
        .order_by("-updated_at")
        .first()
    )
    by_slug = library.articles_by_slug()
    if unseen is None or unseen.answered_by not in by_slug:
        return None
    return Card(
        template=TEMPLATE, context={"suggestion": unseen, "article": by_slug[unseen.answered_by]}
    )
