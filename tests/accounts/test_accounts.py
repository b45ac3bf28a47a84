"""Sign-up, log-in, throttling, profile, and the one access check."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kneeclinic.accounts.access import can_see_runner, visible_runner_ids
from kneeclinic.accounts.models import CareLink, Role, User
from tests.conftest import PASSWORD, make_user, sign_up

pytestmark = pytest.mark.django_db


def test_a_runner_signs_up_and_lands_on_their_settings(client: Client) -> None:
    response = sign_up(client, "Tom@Example.com", PASSWORD, name="Tom")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:profile")
    user = User.objects.get()
    assert user.email == "tom@example.com"
    assert user.name == "Tom"
    assert user.role == Role.RUNNER
    assert user.password.startswith(("argon2", "md5"))
    assert user.check_password(PASSWORD)
    assert client.get(reverse("accounts:profile")).status_code == 200  # logged in


def test_sign_up_needs_the_emailed_link_before_an_account_exists(client: Client) -> None:
    page = client.post(
        reverse("accounts:signup"), {"email": "tom@example.com", "password": PASSWORD}
    )
    assert "Check your email" in page.content.decode()
    assert not User.objects.exists()
    assert PASSWORD not in str(client.session.items())  # only its hash is kept
    (message,) = mail.outbox
    assert message.to == ["tom@example.com"]
    path = re.search(r"http://testserver(\S+)", str(message.body)).group(1)  # type: ignore[union-attr]
    assert "Create my account" in client.get(path).content.decode()
    assert not User.objects.exists()  # opening the link changes nothing
    elsewhere = Client().post(path)  # another browser
    assert elsewhere.status_code == 410
    assert "browser where you signed up" in elsewhere.content.decode()
    assert client.post(path).status_code == 302
    assert User.objects.filter(email="tom@example.com").exists()
    again = client.post(path)
    assert again.status_code == 410


def test_a_tampered_or_expired_link_is_refused(client: Client) -> None:
    client.post(reverse("accounts:signup"), {"email": "tom@example.com", "password": PASSWORD})
    path = re.search(r"http://testserver(\S+)", str(mail.outbox[-1].body)).group(1)  # type: ignore[union-attr]
    tampered = path.replace("/finish/", "/finish/x")
    assert "not valid" in client.get(tampered).content.decode()
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        assert "has expired" in client.get(path).content.decode()


def test_sign_up_answers_alike_for_a_known_email_and_tells_its_owner(
    client: Client, alice: User
) -> None:
    known = client.post(
        reverse("accounts:signup"), {"email": "ALICE@example.com", "password": PASSWORD}
    )
    new = Client().post(
        reverse("accounts:signup"), {"email": "ann@example.com", "password": PASSWORD}
    )
    assert known.status_code == new.status_code == 200

    def page(response: Any, email: str) -> str:
        body = response.content.decode().replace(email, "EMAIL")
        # Each page has its own script nonce and CSRF token; the rest must be identical.
        body = re.sub(r'nonce="[^"]*"', "", body)
        return re.sub(r'"X-CSRFToken": "[^"]*"', "", body)

    assert page(known, "alice@example.com") == page(new, "ann@example.com")
    told = mail.outbox[0]
    assert told.to == ["alice@example.com"]
    assert "already has one" in told.body
    assert "/accounts/signup/finish/" not in told.body
    assert User.objects.count() == 1


def test_sign_up_refuses_a_weak_password(client: Client) -> None:
    response = client.post(
        reverse("accounts:signup"), {"email": "x@example.com", "password": "12345"}
    )
    assert "too short" in response.content.decode()
    assert not User.objects.exists()


def test_log_in_with_the_right_password_goes_to_today(client: Client, alice: User) -> None:
    response = client.post(
        reverse("accounts:login"), {"email": "alice@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_log_in_follows_a_local_next_but_not_an_outside_one(client: Client, alice: User) -> None:
    data = {"email": "alice@example.com", "password": PASSWORD}
    local = client.post(reverse("accounts:login") + "?next=/load/", data)
    assert local["Location"] == "/load/"
    client.logout()
    outside = client.post(reverse("accounts:login") + "?next=https://evil.example/", data)
    assert outside["Location"] == "/"


def test_repeated_wrong_passwords_are_throttled_before_checking_the_password(
    client: Client, alice: User, settings: object
) -> None:
    url = reverse("accounts:login")
    for _ in range(5):
        response = client.post(url, {"email": "alice@example.com", "password": "wrong-password"})
        assert "do not match" in response.content.decode()
    # Even the right password is refused while throttled, with a clear message.
    response = client.post(url, {"email": "alice@example.com", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_successful_log_in_clears_earlier_failures(client: Client, alice: User) -> None:
    url = reverse("accounts:login")
    for _ in range(4):
        client.post(url, {"email": "alice@example.com", "password": "wrong-password"})
    client.post(url, {"email": "alice@example.com", "password": PASSWORD})
    client.logout()
    for _ in range(4):
        client.post(url, {"email": "alice@example.com", "password": "wrong-password"})
    response = client.post(url, {"email": "alice@example.com", "password": PASSWORD})
    assert response.status_code == 302


def test_the_profile_saves_units_time_zone_and_sore_knee(alice_client: Client, alice: User) -> None:
    response = alice_client.post(
        reverse("accounts:profile"),
        {
            "name": "Alice",
            "units": "mi",
            "date_style": "iso",
            "time_zone": "America/New_York",
            "sore_knee": "left",
        },
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert (alice.units, alice.time_zone, alice.sore_knee) == ("mi", "America/New_York", "left")


def test_the_profile_refuses_an_unknown_time_zone(alice_client: Client, alice: User) -> None:
    response = alice_client.post(
        reverse("accounts:profile"),
        {"units": "km", "date_style": "dmy", "time_zone": "Mars/Olympus", "sore_knee": ""},
    )
    assert response.status_code == 200
    alice.refresh_from_db()
    assert alice.time_zone == "Europe/London"


def test_pages_need_a_log_in(client: Client) -> None:
    response = client.get(reverse("core:today"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_log_out_is_a_post_and_ends_the_session(alice_client: Client) -> None:
    assert alice_client.get(reverse("accounts:logout")).status_code == 405
    response = alice_client.post(reverse("accounts:logout"))
    assert response["Clear-Site-Data"] == '"cache"'
    assert alice_client.get(reverse("core:today")).status_code == 302


def test_password_reset_sends_a_link_by_email(client: Client, alice: User) -> None:
    from django.core import mail

    client.post(reverse("accounts:password-reset"), {"email": "alice@example.com"})
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/" in str(mail.outbox[0].body)


def test_a_runner_sees_only_themselves(alice: User, charlie: User) -> None:
    assert can_see_runner(alice, alice)
    assert not can_see_runner(charlie, alice)
    assert list(User.objects.filter(visible_runner_ids(alice))) == [alice]


def test_a_linked_physio_sees_the_runner_until_the_link_ends(alice: User, bob: User) -> None:
    assert can_see_runner(bob, alice)
    CareLink.objects.filter(runner=alice, physio=bob).update(status=CareLink.Status.ENDED)
    assert not can_see_runner(bob, alice)


def test_a_superuser_gets_no_bypass_to_runner_data(alice: User) -> None:
    root = User.objects.create_superuser("root@example.com", PASSWORD)
    assert not can_see_runner(root, alice)


def test_createuser_makes_a_physio_and_refuses_a_duplicate(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    call_command(
        "createuser",
        "bob@example.com",
        role="physio",
        clinic="Riverside",
        password_stdin=True,
        json=True,
    )
    out = capsys.readouterr().out
    assert '"role": "physio"' in out
    assert PASSWORD not in out
    assert User.objects.get(email="bob@example.com").clinic.name == "Riverside"  # type: ignore[union-attr]
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    with pytest.raises(CommandError, match="already exists"):
        call_command("createuser", "BOB@example.com", password_stdin=True)


def test_createuser_needs_a_clinic_for_a_physio() -> None:
    with pytest.raises(CommandError, match="needs --clinic"):
        call_command("createuser", "p@example.com", role="physio", password_stdin=True)


def test_createuser_refuses_a_weak_password(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    with pytest.raises(CommandError, match="Password refused"):
        call_command("createuser", "weak@example.com", password_stdin=True)


def test_make_user_helper_creates_distinct_people() -> None:
    a = make_user("one@example.com")
    b = make_user("two@example.com", role="physio", clinic="C")
    assert a.pk != b.pk and b.is_clinician and not a.is_clinician
