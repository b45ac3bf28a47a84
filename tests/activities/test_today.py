"""The Today card of the runs area."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from kneeclinic.accounts.models import User
from kneeclinic.activities import services, today
from tests.activities.helpers import START
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def card_for(user: User) -> str | None:
    request = RequestFactory().get("/")
    request.user = user
    found = today.card(request)
    return None if found is None else render_to_string(found.template, {"card": found.context})


def test_a_runner_without_runs_is_invited_to_import(alice: User) -> None:
    html = card_for(alice)
    assert html is not None and "Bring in your runs" in html


def test_an_import_under_way_shows_its_progress(alice: User) -> None:
    services.create_import(alice, [("a.fit", [b"x"])])
    html = card_for(alice)
    assert html is not None and "Importing your runs" in html and "0 files done" in html


def test_no_card_once_there_are_runs_or_for_a_physio(alice: User) -> None:
    services.create_manual_run(alice, start=START, distance_m=5000, duration_s=1800)
    assert card_for(alice) is None
    assert card_for(make_user("physio@example.com", role="physio", clinic="Somewhere")) is None
