"""Extra personas for the clinic tests: dana (a physio at bob's clinic, not linked to alice) and
erin (the clinic admin at bob's clinic)."""

from __future__ import annotations

import pytest
from django.test import Client

from kneeclinic.accounts import mfa
from kneeclinic.accounts.models import User
from tests.conftest import make_user


def logged_in(user: User) -> Client:
    """A client logged in as ``user``; a clinician's session counts as having passed the
    second factor, as after the real log-in (test_two_factor covers that step itself)."""
    client = Client()
    client.force_login(user)
    if user.is_clinician:
        session = client.session
        session[mfa.SESSION_KEY] = "verified in the test set-up"
        session.save()
    return client


@pytest.fixture
def dana(db: None, bob: User) -> User:
    return make_user("dana@example.com", role="physio", clinic="Riverside Physio", name="Dana")


@pytest.fixture
def erin(db: None, bob: User) -> User:
    return make_user("erin@example.com", role="admin", clinic="Riverside Physio", name="Erin")
