"""A physio's views and changes of a runner's data outside the clinic pages are audited too."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kneeclinic.accounts import mfa
from kneeclinic.accounts.models import User
from kneeclinic.clinic.models import AuditEvent
from kneeclinic.symptoms.models import CheckerRun

pytestmark = pytest.mark.django_db


def clinician(user: User) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session[mfa.SESSION_KEY] = "passed in the test set-up"
    session.save()
    return client


def events_about(runner: User) -> list[tuple[str, str]]:
    return list(AuditEvent.objects.filter(runner=runner).values_list("action", "object_type"))


def test_a_physio_reading_a_checker_result_is_audited_and_the_runner_is_not(
    alice: User, bob: User, alice_client: Client
) -> None:
    run = CheckerRun.objects.create(runner=alice, level="self_care", completed_at=timezone.now())
    url = reverse("symptoms:show-result", args=[run.code])
    alice_client.get(url)
    assert events_about(alice) == []
    clinician(bob).get(url)
    assert ("R", "checker_run") in events_about(alice)


def test_a_physio_setting_a_cadence_target_is_audited(alice: User, bob: User) -> None:
    clinician(bob).post(
        reverse("plans:set-runner-target", args=[alice.code]), {"target_spm": 172, "note": ""}
    )
    assert ("C", "cadence_target") in events_about(alice)


def test_a_physio_opening_a_runners_run_page_is_audited(alice: User, bob: User) -> None:
    from kneeclinic.activities.models import Activity

    run = Activity.objects.create(runner=alice, start=timezone.now(), elapsed_s=60)
    clinician(bob).get(reverse("activities:show-run", args=[run.code]))
    assert ("R", "activity") in events_about(alice)
