"""Extra personas for the clinic tests: dana (a physio at bob's clinic, not linked to alice) and
erin (the clinic admin at bob's clinic)."""

from __future__ import annotations

import pytest

from kneeclinic.accounts.models import User
from tests.conftest import make_user


@pytest.fixture
def dana(db: None, bob: User) -> User:
    return make_user("dana@example.com", role="physio", clinic="Riverside Physio", name="Dana")


@pytest.fixture
def erin(db: None, bob: User) -> User:
    return make_user("erin@example.com", role="admin", clinic="Riverside Physio", name="Erin")
