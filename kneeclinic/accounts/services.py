"""Verbs that write: creating accounts and recording failed logins."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
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


def _recent_failures(email: str) -> int:
    since = timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_S)
    return LoginFailure.objects.filter(email=email.strip().lower(), at__gte=since).count()


def login_is_throttled(email: str) -> bool:
    """True when this email had too many failed logins in the window (checked before hashing)."""
    return _recent_failures(email) >= settings.LOGIN_FAILURE_LIMIT


def record_login_failure(email: str, address: str | None) -> None:
    LoginFailure.objects.create(email=email.strip().lower()[:254], address=address)
    cutoff = timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_S * 4)
    LoginFailure.objects.filter(at__lt=cutoff).delete()


def clear_login_failures(email: str) -> None:
    LoginFailure.objects.filter(email=email.strip().lower()).delete()
