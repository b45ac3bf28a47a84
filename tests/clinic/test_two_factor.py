"""Two-factor sign-in for clinicians: set up once, then a code at every log-in."""

from __future__ import annotations

import base64
import re
from datetime import timedelta

import pyotp
import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kneeclinic.accounts import mfa
from kneeclinic.accounts.models import RecoveryCode, TotpDevice, User
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def password_step(client: Client, email: str) -> None:
    response = client.post(reverse("accounts:login"), {"email": email, "password": PASSWORD})
    assert response.status_code == 302


def set_up(client: Client, user: User) -> list[str]:
    password_step(client, user.email)
    page = client.get(reverse("accounts:two-factor"))
    assert b"scan this code" in page.content
    secret = TotpDevice.objects.get(user=user).secret
    done = client.post(reverse("accounts:two-factor"), {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200 and b"Your recovery codes" in done.content
    return re.findall(r"<code>([0-9A-Z-]{14})</code>", done.content.decode())


def test_a_physio_is_not_logged_in_by_the_password_alone(bob: User, alice: User) -> None:
    client = Client()
    password_step(client, bob.email)
    assert client.get(reverse("clinic:caseload")).status_code == 302  # to the login page
    assert client.get(reverse("clinic:runner", args=[alice.code])).status_code == 302
    assert "_auth_user_id" not in client.session
    assert not any("password" in key for key, _ in client.session.items())


def test_a_runner_logs_in_with_the_password_only(alice: User) -> None:
    client = Client()
    response = client.post(reverse("accounts:login"), {"email": alice.email, "password": PASSWORD})
    assert response.status_code == 302 and "two-factor" not in response["Location"]
    assert client.session["_auth_user_id"] == str(alice.pk)


def test_a_physio_sets_up_an_app_gets_recovery_codes_and_then_needs_a_code(bob: User) -> None:
    codes = set_up(Client(), bob)
    assert len(codes) == mfa.RECOVERY_CODE_COUNT
    client = Client()
    password_step(client, bob.email)
    page = client.get(reverse("accounts:two-factor"))
    assert b"scan this code" not in page.content  # no new secret is shown once set up
    device = TotpDevice.objects.get(user=bob)
    with time_machine.travel(timezone.now() + timedelta(seconds=60)):
        ok = client.post(reverse("accounts:two-factor"), {"code": pyotp.TOTP(device.secret).now()})
        assert ok.status_code == 302
        assert client.get(reverse("clinic:caseload")).status_code == 200


def test_a_code_cannot_be_replayed(bob: User) -> None:
    set_up(Client(), bob)
    device = TotpDevice.objects.get(user=bob)
    now = timezone.now() + timedelta(seconds=90)
    code = pyotp.TOTP(device.secret).at(now)
    assert mfa.verify_totp(bob, code, now=now)
    assert not mfa.verify_totp(bob, code, now=now + timedelta(seconds=5))


def test_a_recovery_code_works_once(bob: User) -> None:
    codes = set_up(Client(), bob)
    assert mfa.use_recovery_code(bob, codes[0].lower())
    assert not mfa.use_recovery_code(bob, codes[0])
    assert RecoveryCode.objects.filter(user=bob, used_at__isnull=True).count() == len(codes) - 1
    client = Client()
    password_step(client, bob.email)
    assert client.post(reverse("accounts:two-factor"), {"code": codes[1]}).status_code == 302


def test_five_wrong_codes_pause_further_tries(bob: User) -> None:
    set_up(Client(), bob)
    client = Client()
    password_step(client, bob.email)
    for _ in range(mfa.FAILURE_LIMIT):
        wrong = client.post(reverse("accounts:two-factor"), {"code": "000000"})
        assert b"did not work" in wrong.content or wrong.status_code == 429
    device = TotpDevice.objects.get(user=bob)
    right = client.post(reverse("accounts:two-factor"), {"code": pyotp.TOTP(device.secret).now()})
    assert right.status_code == 429 and b"Too many wrong codes" in right.content


def test_the_second_step_times_out(bob: User) -> None:
    client = Client()
    password_step(client, bob.email)
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        response = client.get(reverse("accounts:two-factor"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")


def test_the_second_step_without_a_password_goes_back_to_log_in(db: None) -> None:
    response = Client().get(reverse("accounts:two-factor"))
    assert response.status_code == 302


def test_our_codes_match_the_rfc_6238_test_vector() -> None:
    # RFC 6238 appendix B, SHA-1, T = 59 s: 94287082 (8 digits); our codes are the last 6.
    key = base64.b32encode(b"12345678901234567890").decode()
    assert pyotp.TOTP(key, digits=8).at(59) == "94287082"


def test_a_clinician_can_replace_their_recovery_codes(bob: User) -> None:
    old = set_up(Client(), bob)
    client = Client()
    client.force_login(bob)
    assert b"Make new recovery codes" in client.get(reverse("accounts:profile")).content
    page = client.post(reverse("accounts:new-recovery-codes"))
    new = re.findall(r"<code>([0-9A-Z-]{14})</code>", page.content.decode())
    assert len(new) == mfa.RECOVERY_CODE_COUNT and not set(new) & set(old)
    assert not mfa.use_recovery_code(bob, old[0])
    assert mfa.use_recovery_code(bob, new[0])


def test_a_clinician_session_without_the_second_factor_reaches_no_clinic_page(
    alice: User, bob: User
) -> None:
    client = Client()
    client.force_login(bob)  # a session that skipped the second step somehow
    for url in (reverse("clinic:caseload"), reverse("clinic:runner", args=[alice.code])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    assert "_auth_user_id" not in client.session  # and it is logged out


def test_a_runner_needs_no_second_factor_for_her_sharing_page(alice: User) -> None:
    client = Client()
    client.force_login(alice)
    assert client.get(reverse("clinic:sharing")).status_code == 200
