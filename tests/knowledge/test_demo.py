from __future__ import annotations

import random
from datetime import date

import pytest

from kneeclinic.accounts.models import Clinic
from kneeclinic.core.demo import DemoPeople
from kneeclinic.knowledge import demo
from kneeclinic.knowledge.models import ClinicPage, TopicSuggestion
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_the_demo_gives_the_clinic_a_page_and_maya_an_answered_suggestion() -> None:
    runner = make_user("maya.demo@example.com")
    physio = make_user("bob.demo@example.com", role="physio", clinic="Riverside Physio")
    clinic = Clinic.objects.get(name="Riverside Physio")
    people = DemoPeople(
        runner, physio, clinic, date(2026, 11, 26), date(2026, 10, 17), random.Random(1)
    )
    demo.load(people)
    assert "Video running analysis" in ClinicPage.objects.get(clinic=clinic).services
    assert TopicSuggestion.objects.filter(suggested_by=runner, answered_by="warming-up").exists()
    assert TopicSuggestion.objects.count() == 3
