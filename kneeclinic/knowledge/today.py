"""Today card: tells a reader when an article now answers a topic they suggested."""

from __future__ import annotations

from django.http import HttpRequest

from kneeclinic.core.today import Card
from kneeclinic.knowledge import library
from kneeclinic.knowledge.models import TopicSuggestion


def card(request: HttpRequest) -> Card | None:
    user = request.user
    if not user.is_authenticated:
        return None
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
        template="knowledge/_today_card.html",
        context={"suggestion": unseen, "article": by_slug[unseen.answered_by]},
    )
