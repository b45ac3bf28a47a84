from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.conftest import make_user

if TYPE_CHECKING:
    from kneeclinic.accounts.models import User


@pytest.fixture
def dora(db: None) -> User:
    """Dora, the clinic admin of Riverside Physio (bob's clinic)."""
    return make_user("dora@example.com", role="admin", clinic="Riverside Physio", name="Dora")


@pytest.fixture
def erin(db: None) -> User:
    """Erin, the clinic admin of Hilltop Clinic (charlie's clinic)."""
    return make_user("erin@example.com", role="admin", clinic="Hilltop Clinic", name="Erin")
