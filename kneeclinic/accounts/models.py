"""People, their roles and their clinics."""

from __future__ import annotations

import uuid
import zoneinfo
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone


class Role(models.TextChoices):
    RUNNER = "runner", "Runner"
    PHYSIO = "physio", "Physiotherapist"
    ADMIN = "admin", "Clinic admin"


class Units(models.TextChoices):
    KM = "km", "Kilometres"
    MILES = "mi", "Miles"


class Knee(models.TextChoices):
    UNSURE = "", "Not sure yet"
    LEFT = "left", "Left knee"
    RIGHT = "right", "Right knee"
    BOTH = "both", "Both knees"


class DateStyle(models.TextChoices):
    DMY = "dmy", "26 Nov 2026"
    ISO = "iso", "2026-11-26"
    MDY = "mdy", "Nov 26, 2026"


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class Clinic(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        # Operators can use the admin for accounts; clinical records have no superuser bypass.
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(unique=True)
    name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.RUNNER)
    clinic = models.ForeignKey(
        Clinic, null=True, blank=True, on_delete=models.SET_NULL, related_name="staff"
    )
    time_zone = models.CharField(max_length=64, default="Europe/London")
    units = models.CharField(max_length=2, choices=Units.choices, default=Units.KM)
    date_style = models.CharField(max_length=3, choices=DateStyle.choices, default=DateStyle.DMY)
    sore_knee = models.CharField(
        max_length=5, choices=Knee.choices, default=Knee.UNSURE, blank=True
    )
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    def __str__(self) -> str:
        return self.email

    @property
    def display_name(self) -> str:
        return self.name or self.email.split("@")[0]

    @property
    def is_runner(self) -> bool:
        return self.role == Role.RUNNER

    @property
    def is_clinician(self) -> bool:
        return self.role in {Role.PHYSIO, Role.ADMIN}

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class LoginFailure(models.Model):
    """One failed login, kept for the throttling window (no password is stored)."""

    email = models.CharField(max_length=254, db_index=True)
    address = models.GenericIPAddressField(null=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)


class CareLink(models.Model):
    """A runner's consent for one physio to follow their care. Ending it stops access at once."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the runner's agreement"
        ACTIVE = "active", "Active"
        ENDED = "ended", "Ended"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    runner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="care_links")
    physio = models.ForeignKey(User, on_delete=models.CASCADE, related_name="caseload_links")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    agreed_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(
                fields=["runner", "physio"],
                condition=~models.Q(status="ended"),
                name="one_open_care_link_per_pair",
            )
        ]


class CareInvitation(models.Model):
    """A physio's single-use invitation for a runner to share their record.

    It carries two secrets, both stored only as keyed hashes: a long token for the invitation
    link and a short code a runner can type. It expires after a few days and is used once.
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    physio = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sent_invitations")
    runner_email = models.EmailField(blank=True)
    link_token_hash = models.CharField(max_length=64, unique=True)
    short_code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)


class InvitationAttempt(models.Model):
    """One wrong invitation code typed by a signed-in person (kept to slow down guessing)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(default=timezone.now, db_index=True)


class TotpDevice(models.Model):
    """A clinician's authenticator app (RFC 6238 time-based codes)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp_device")
    secret = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_step = models.BigIntegerField(default=0)
    failures = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)


class RecoveryCode(models.Model):
    """A single-use recovery code, stored as a keyed hash."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)
