"""Two-factor sign-in for clinicians: time-based codes (RFC 6238) and single-use recovery codes.

Physios and clinic admins see health data, so after their password they must give a code from
an authenticator app before the session is logged in. A code is accepted once (a replay within
its 30-second step is refused), and ``FAILURE_LIMIT`` wrong codes pause further tries for
``LOCK_TIME``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import datetime, timedelta

import pyotp
import segno
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from kneeclinic.accounts.invitations import CODE_ALPHABET
from kneeclinic.accounts.models import RecoveryCode, TotpDevice, User

ISSUER = "Knee Clinic"
STEP_S = 30
VALID_WINDOW_STEPS = 1  # accept the previous and next step too, for clock drift
FAILURE_LIMIT = 5
LOCK_TIME = timedelta(minutes=15)
RECOVERY_CODE_COUNT = 10
RECOVERY_CODE_LENGTH = 12


SESSION_KEY = "second_factor_verified_at"
# When a clinician's session began and was last used (kneeclinic.core.middleware ends it after
# CLINICIAN_IDLE_SECONDS without a request, or CLINICIAN_MAX_SECONDS after it began).
SESSION_STARTED_KEY = "session_started_at"
SESSION_SEEN_KEY = "session_seen_at"


def mark_session_verified(request: HttpRequest) -> None:
    """Note in the (freshly cycled) session that its clinician gave a second factor."""
    request.session[SESSION_KEY] = timezone.now().isoformat()
    request.session[SESSION_STARTED_KEY] = request.session[SESSION_SEEN_KEY] = time.time()


def session_verified(request: HttpRequest) -> bool:
    return bool(request.session.get(SESSION_KEY))


def required_for(user: User) -> bool:
    """Clinicians (physios and clinic admins) must use a second factor."""
    return user.is_clinician


def has_confirmed_device(user: User) -> bool:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()


def device_for_setup(user: User) -> TotpDevice:
    """The unconfirmed device to set up (a fresh secret is made once and kept until confirmed)."""
    device = TotpDevice.objects.filter(user=user).first()
    if device is None:
        device = TotpDevice.objects.create(user=user, secret=pyotp.random_base32())
    return device


def provisioning_uri(user: User, device: TotpDevice) -> str:
    return pyotp.TOTP(device.secret, interval=STEP_S).provisioning_uri(
        name=user.email, issuer_name=ISSUER
    )


def qr_data_uri(uri: str) -> str:
    """A QR code of the setup link as an SVG data URI (allowed by the page's image policy)."""
    data_uri: str = segno.make(uri, error="m").svg_data_uri(scale=4, border=2)
    return data_uri


class Locked(Exception):
    """Too many wrong codes: further tries wait until ``until``."""

    def __init__(self, until: datetime) -> None:
        super().__init__(f"Too many wrong codes; try again after {until.isoformat()}")
        self.until = until


def verify_totp(user: User, code: str, *, now: datetime | None = None) -> bool:
    """Check a six-digit code once; a code already used (or older) is refused."""
    now = now or timezone.now()
    cleaned = "".join(ch for ch in code if ch.isdigit())
    with transaction.atomic():
        device = TotpDevice.objects.select_for_update().filter(user=user).first()
        if device is None:
            return False
        if device.locked_until is not None and device.locked_until > now:
            raise Locked(device.locked_until)
        totp = pyotp.TOTP(device.secret, interval=STEP_S)
        current = totp.timecode(now)
        matched = None
        if len(cleaned) == 6:
            for step in range(current - VALID_WINDOW_STEPS, current + VALID_WINDOW_STEPS + 1):
                if hmac.compare_digest(totp.generate_otp(step), cleaned):
                    matched = step
                    break
        if matched is None or matched <= device.last_step:
            device.failures += 1
            if device.failures >= FAILURE_LIMIT:
                device.locked_until = now + LOCK_TIME
                device.failures = 0
            device.save(update_fields=["failures", "locked_until"])
            return False
        device.last_step = matched
        device.failures = 0
        device.locked_until = None
        fields = ["last_step", "failures", "locked_until"]
        if device.confirmed_at is None:
            device.confirmed_at = now
            fields.append("confirmed_at")
        device.save(update_fields=fields)
        return True


def _code_digest(code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, b"recovery-code:" + code.encode(), hashlib.sha256).hexdigest()


def _normalise(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes with fresh ones, returned in clear only this once."""
    codes = [
        "".join(secrets.choice(CODE_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    with transaction.atomic():
        RecoveryCode.objects.filter(user=user).delete()
        RecoveryCode.objects.bulk_create(
            RecoveryCode(user=user, code_hash=_code_digest(code)) for code in codes
        )
    return [f"{code[:4]}-{code[4:8]}-{code[8:]}" for code in codes]


def use_recovery_code(user: User, typed: str, *, now: datetime | None = None) -> bool:
    """Spend one recovery code; each works once. Wrong codes count towards the lock."""
    now = now or timezone.now()
    with transaction.atomic():
        device = TotpDevice.objects.select_for_update().filter(user=user).first()
        if device is not None and device.locked_until is not None and device.locked_until > now:
            raise Locked(device.locked_until)
        spent = RecoveryCode.objects.filter(
            user=user, code_hash=_code_digest(_normalise(typed)), used_at__isnull=True
        ).update(used_at=now)
        if spent:
            return True
        if device is not None:
            device.failures += 1
            if device.failures >= FAILURE_LIMIT:
                device.locked_until = now + LOCK_TIME
                device.failures = 0
            device.save(update_fields=["failures", "locked_until"])
        return False


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def looks_like_totp(code: str) -> bool:
    """Six digits (spaces allowed) is an app code; anything longer is a recovery code."""
    cleaned = "".join(ch for ch in code if not ch.isspace())
    return len(cleaned) == 6 and cleaned.isdigit()
