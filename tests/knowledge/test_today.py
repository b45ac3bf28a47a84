"""The Learn Today card: answered suggestions for readers, waiting requests for clinic staff."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string

from kneeclinic.knowledge.models import AssessmentRequest, TopicSuggestion
from kneeclinic.knowledge.today import card

if TYPE_CHECKING:
    from django.test import RequestFactory

    from kneeclinic.accounts.models import User

pytestmark = pytest.mark.django_db


def today_for(rf: RequestFactory, user: object) -> str | None:
    request = rf.get("/")
    request.user = user  # type: ignore[assignment]
    found = card(request)
    if found is None:
        return None
    return render_to_string(found.template, {"card": found.context})


def test_visitors_and_readers_with_nothing_new_get_no_card(rf: RequestFactory, alice: User) -> None:
    assert today_for(rf, AnonymousUser()) is None
    assert today_for(rf, alice) is None
    TopicSuggestion.objects.create(
        text="Old", sender_hash="x", suggested_by=alice, answered_by="retired-article"
    )
    assert today_for(rf, alice) is None


def test_a_reader_hears_that_an_article_answers_their_suggestion(
    rf: RequestFactory, alice: User
) -> None:
    TopicSuggestion.objects.create(
        text="Ice baths?", sender_hash="x", suggested_by=alice, answered_by="ice"
    )
    html = today_for(rf, alice)
    assert html is not None
    assert "We wrote about your suggestion" in html and "Ice and cold packs" in html


def test_clinic_staff_see_how_many_requests_wait(
    rf: RequestFactory, bob: User, charlie: User
) -> None:
    assert bob.clinic is not None
    AssessmentRequest.objects.create(
        clinic=bob.clinic, name="Tom", email="t@example.com", message="Sore", sender_hash="x"
    )
    html = today_for(rf, bob)
    assert html is not None and "1 assessment request waiting" in html
    assert today_for(rf, charlie) is None
