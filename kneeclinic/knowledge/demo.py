"""Demo records for Learn: Riverside Physio's page, a few readers' suggestions."""

from __future__ import annotations

from kneeclinic.core.demo import DemoPeople
from kneeclinic.knowledge.models import ClinicPage, TopicSuggestion
from kneeclinic.knowledge.services import sender_hash

SERVICES = """- Assessment of running injuries, with a written plan
- Exercise programmes for knees, hips and ankles, followed up in Knee Clinic
- Video running analysis and cadence retraining
- Return-to-running plans after injury"""

DIAGNOSTICS = """- A full clinical examination at your first appointment
- X-ray and MRI by referral (GP or our sports physician), when they would change your care
- Diagnostic ultrasound on site for tendon problems"""


def load(people: DemoPeople) -> None:
    ClinicPage.objects.get_or_create(
        clinic=people.clinic,
        defaults={
            "introduction": "Physiotherapists who run, for runners of every speed.",
            "services": SERVICES,
            "diagnostics": DIAGNOSTICS,
            "how_to_book": "Use the form on this page, or call us on weekdays from 8 am to 6 pm.",
            "phone": "01632 960123",
            "email": "hello@riverside-physio.example",
            "address": "12 River Walk\nRiverside",
        },
    )
    who = sender_hash("demo")
    TopicSuggestion.objects.create(
        text="Is it safe to run a half marathon with runner's knee?", sender_hash=who
    )
    TopicSuggestion.objects.create(
        text="Knee pain when cycling as cross-training", sender_hash=who, status="planned"
    )
    TopicSuggestion.objects.create(
        text="Should I stretch before I run?",
        sender_hash=who,
        suggested_by=people.runner,
        status="written",
        answered_by="warming-up",
    )
