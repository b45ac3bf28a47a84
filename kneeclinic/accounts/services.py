"""Verbs that write: creating accounts and recording failed logins."""

from __future__ import annotations

import contextlib
import ipaddress
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from kneeclinic.accounts.models import Clinic, LoginFailure, Role, User


class DuplicateEmail(ValueError):
    """An account with this email address exists already."""


def create_user(
    email: str,
    password: str | None,
    *,
    role: Role = Role.RUNNER,
    clinic_name: str = "",
    name: str = "",
) -> User:
    email = email.strip().lower()
    with transaction.atomic():
        if User.objects.filter(email__iexact=email).exists():
            raise DuplicateEmail(f"An account with the email {email} already exists.")
        clinic = Clinic.objects.get_or_create(name=clinic_name)[0] if clinic_name else None
        return User.objects.create_user(email, password, role=role, clinic=clinic, name=name)


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address: the socket's peer, or behind our own proxy the address it saw.

    ``X-Forwarded-For`` is trusted only when the install says it sits behind a proxy
    (KNEECLINIC_BEHIND_PROXY), and then only its last entry, the one that proxy appended; entries
    further left come from the client and can say anything.
    """
    address = request.META.get("REMOTE_ADDR") or None
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        with contextlib.suppress(ValueError):
            address = str(ipaddress.ip_address(forwarded))
    return address


def _recent_failures(email: str, address: str | None) -> int:
    since = timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_S)
    return LoginFailure.objects.filter(
        email=email.strip().lower()[:254], address=address, at__gte=since
    ).count()


def login_is_throttled(email: str, address: str | None) -> bool:
    """True when this (email, address) pair had too many failed logins in the window.

    Checked before hashing. Keyed on the pair, so an attacker guessing from one address cannot
    lock the account's owner out from hers.
    """
    return _recent_failures(email, address) >= settings.LOGIN_FAILURE_LIMIT


def claim_login_attempt(email: str, address: str | None) -> bool:
    """Count this attempt as a failure *before* the password is checked; False when throttled.

    Counting first means requests sent side by side cannot all pass the check while the first
    one is still hashing (about 190 ms of Argon2). A good password clears the pair's count.
    """
    with transaction.atomic():
        if login_is_throttled(email, address):
            return False
        record_login_failure(email, address)
    return True


def record_login_failure(email: str, address: str | None) -> None:
    LoginFailure.objects.create(email=email.strip().lower()[:254], address=address)
    cutoff = timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_S * 4)
    LoginFailure.objects.filter(at__lt=cutoff).delete()


def clear_login_failures(email: str, address: str | None) -> None:
    """Forget this pair's failures after a good log-in (other addresses' stay counted)."""
    LoginFailure.objects.filter(email=email.strip().lower()[:254], address=address).delete()
