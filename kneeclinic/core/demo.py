"""Demo data: Maya, a runner with 18 months of history, and Bob, her physio.

Loaded once (idempotently) with a fixed seed so every install shows the same story: a steady
build-up towards a half marathon, one clear distance spike, then a flare-up of knee pain.
Each area may add its own demo records in ``<app>/demo.py`` with ``load(demo: DemoPeople)``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from importlib import import_module
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from kneeclinic.accounts.models import CareLink, Clinic, Knee, Role, TotpDevice, User
from kneeclinic.core.models import DemoState

SEED = 20260601
DEMO_PASSWORD = "knee-clinic-demo"  # noqa: S105 (a published demo login, printed by make run)
# The demo physio's authenticator key (base32): published, like the demo password.
DEMO_TOTP_SECRET = "KNEECLINICDEMOPHYSIOBOBSIGNINKEY"  # noqa: S105
RUNNER_EMAIL = "maya@example.com"
PHYSIO_EMAIL = "bob@example.com"
CLINIC_NAME = "Riverside Physio"
LONDON = ZoneInfo("Europe/London")
HISTORY_DAYS = 548  # about 18 months
SPIKE_DAYS_AGO = 40
AREA_DEMOS = (
    "kneeclinic.activities.demo",
    "kneeclinic.symptoms.demo",
    "kneeclinic.exercises.demo",
    "kneeclinic.plans.demo",
    "kneeclinic.clinic.demo",
    "kneeclinic.knowledge.demo",
)
DONE_KEY = "demo"


@dataclass(frozen=True, slots=True)
class DemoPeople:
    runner: User
    physio: User
    clinic: Clinic
    today: date
    spike_day: date
    rng: random.Random


@dataclass(frozen=True, slots=True)
class PlannedRun:
    day: date
    distance_m: float
    pace_s_per_km: float
    name: str
    treadmill: bool = False


def plan_runs(today: date, rng: random.Random) -> list[PlannedRun]:
    """Maya's 18 months: base, a half-marathon build, one spike, a flare-up and a careful return."""
    start = today - timedelta(days=HISTORY_DAYS)
    spike_day = today - timedelta(days=SPIKE_DAYS_AGO)
    runs: list[PlannedRun] = []
    day = start
    while day < today:
        days_to_spike = (spike_day - day).days
        week_index = (day - start).days // 7
        weekday = day.weekday()
        if day == spike_day:
            runs.append(PlannedRun(day, 21_300, 372, "Half-marathon distance, all in one go"))
        elif days_to_spike > 0:
            # 4-5 runs a week: Tue, Thu, Sat (long), Sun, and Wed every other week.
            build = min(1.0, week_index / 60)
            long_km = 8 + 4 * build + rng.uniform(-0.8, 0.8)
            if weekday == 5:
                runs.append(PlannedRun(day, long_km * 1000, 360 + rng.uniform(-10, 15), "Long run"))
            elif weekday in (1, 3) or (weekday == 2 and week_index % 2 == 0) or weekday == 6:
                km = (5 + 2 * build) * rng.uniform(0.8, 1.15)
                treadmill = weekday == 2 and week_index % 8 == 0
                name = (
                    "Treadmill run" if treadmill else ("Easy run" if weekday != 3 else "Tempo run")
                )
                pace = 330 if weekday == 3 else 355
                runs.append(
                    PlannedRun(day, km * 1000, pace + rng.uniform(-12, 12), name, treadmill)
                )
        elif -days_to_spike in (2, 5):
            # The knee flares up after the spike: two short, painful attempts.
            runs.append(PlannedRun(day, rng.uniform(3000, 4200), 385, "Cut short: knee sore"))
        elif -days_to_spike > 14 and weekday in (1, 4, 6):
            # A careful return: short, easy runs.
            runs.append(PlannedRun(day, rng.uniform(2500, 4500), 380, "Easy return run"))
        day += timedelta(days=1)
    return runs


def _user(email: str, role: Role, name: str, clinic: Clinic | None) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, DEMO_PASSWORD, role=role, name=name, clinic=clinic)
    return user


def load_demo(today: date | None = None) -> tuple[bool, DemoPeople]:
    """Create the demo people and data once. Returns (created now, the people).

    Each area loads in its own transaction and is marked done with it, so a running server is
    never locked out for the whole demo, and an interrupted demo resumes where it stopped.
    """
    today = today or timezone.localdate(timezone=LONDON)
    rng = random.Random(SEED)  # noqa: S311 (repeatable demo data, not security)
    with transaction.atomic():
        clinic = Clinic.objects.get_or_create(name=CLINIC_NAME)[0]
        runner = _user(RUNNER_EMAIL, Role.RUNNER, "Maya", None)
        physio = _user(PHYSIO_EMAIL, Role.PHYSIO, "Bob", clinic)
        people = DemoPeople(
            runner, physio, clinic, today, today - timedelta(days=SPIKE_DAYS_AGO), rng
        )
        if DemoState.objects.filter(key=DONE_KEY).exists():
            return False, people
        if DemoState.objects.get_or_create(key="demo:people")[1]:
            # Bob is a clinician, so he signs in with a second factor: a published demo key.
            TotpDevice.objects.update_or_create(
                user=physio, defaults={"secret": DEMO_TOTP_SECRET, "confirmed_at": timezone.now()}
            )
            runner.sore_knee = Knee.RIGHT
            runner.time_zone = "Europe/London"
            runner.save(update_fields=["sore_knee", "time_zone"])
            CareLink.objects.get_or_create(
                runner=runner,
                physio=physio,
                defaults={"status": CareLink.Status.ACTIVE, "agreed_at": timezone.now()},
            )
    for name in AREA_DEMOS:
        module = _optional_module(name)
        key = f"demo:{name.rsplit('.', 2)[-2]}"
        if module is None or DemoState.objects.filter(key=key).exists():
            continue
        if getattr(module, "PROVIDES_RUNS", False):
            # Runs come through the real import, one transaction per file and idempotent by
            # content, so an outer transaction would only hold the write lock for minutes.
            module.load(people)
            DemoState.objects.create(key=key)
            continue
        with transaction.atomic():
            module.load(people)
            DemoState.objects.create(key=key)
    DemoState.objects.get_or_create(key=DONE_KEY)
    return True, people


def _optional_module(name: str) -> Any:
    try:
        return import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return None
        raise


def physio_code(at: datetime | None = None) -> str:
    """The demo physio's current sign-in code, as an authenticator app would show it."""
    import pyotp

    totp = pyotp.TOTP(DEMO_TOTP_SECRET)
    return str(totp.at(at) if at is not None else totp.now())
