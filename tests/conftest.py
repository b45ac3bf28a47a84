"""Shared test helpers: the personas alice (runner), bob (her physio) and charlie (another clinic).

Small explicit helpers rather than fixture files. Every test module may use these fixtures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from django.http import HttpResponse
    from django.test import Client

    from kneeclinic.accounts.models import User

PASSWORD = "correct horse battery staple"


def make_user(email: str, role: str = "runner", clinic: str = "", name: str = "") -> User:
    from kneeclinic.accounts import services
    from kneeclinic.accounts.models import Role

    return services.create_user(email, PASSWORD, role=Role(role), clinic_name=clinic, name=name)


def sign_up(client: Client, email: str, password: str, name: str = "") -> HttpResponse:
    """Sign up through both steps: the form, then the emailed link (opened by the same client).

    Returns the form's answer when it refused the details, else the answer to the final click.
    """
    import re

    from django.core import mail
    from django.urls import reverse

    sent = len(mail.outbox)
    answer: HttpResponse = client.post(  # type: ignore[assignment]
        reverse("accounts:signup"), {"name": name, "email": email, "password": password}
    )
    if len(mail.outbox) == sent:
        return answer
    body = str(mail.outbox[-1].body)
    found = re.search(r"https?://[^/\s]+(/accounts/signup/finish/[^\s]+/)", body)
    if found is None:
        return answer  # the address already has an account: the email says so, no link
    finished: HttpResponse = client.post(found.group(1))  # type: ignore[assignment]
    return finished


def link(runner: User, physio: User) -> None:
    from django.utils import timezone

    from kneeclinic.accounts.models import CareLink

    CareLink.objects.create(
        runner=runner, physio=physio, status=CareLink.Status.ACTIVE, agreed_at=timezone.now()
    )


@pytest.fixture
def alice(db: None) -> User:
    return make_user("alice@example.com", name="Alice")


@pytest.fixture
def bob(db: None, alice: User) -> User:
    physio = make_user("bob@example.com", role="physio", clinic="Riverside Physio", name="Bob")
    link(alice, physio)
    return physio


@pytest.fixture
def charlie(db: None) -> User:
    return make_user("charlie@example.com", role="physio", clinic="Hilltop Clinic", name="Charlie")


@pytest.fixture
def alice_client(client: Client, alice: User) -> Client:
    client.force_login(alice)
    return client


@pytest.fixture
def bob_client(client: Client, bob: User) -> Client:
    client.force_login(bob)
    return client
