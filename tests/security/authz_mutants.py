"""A pytest plugin that switches off one authorisation check, for the mutation test (T02).

``pytest -p tests.security.authz_mutants`` with ``KNEECLINIC_AUTHZ_MUTANT=<name>`` replaces one
check of the access layer with a version that lets too much through, in every ``kneeclinic``
module that holds it (``from ... import visible_to`` binds the function in the importer too).
The authorisation matrix must then fail: a check whose removal no test notices is not tested.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from typing import Any

import pytest

ENV = "KNEECLINIC_AUTHZ_MUTANT"


def _everything(*args: Any, **kwargs: Any) -> Any:
    from django.db.models import Q

    return Q()


def _always(*args: Any, **kwargs: Any) -> bool:
    return True


def _links_of_any_status(user: Any) -> Any:
    from kneeclinic.accounts.models import CareLink, Role

    if user.role not in {Role.PHYSIO, Role.ADMIN} or user.clinic_id is None:
        return []
    return CareLink.objects.filter(physio=user).values("runner_id")  # revoked links count too


def _links_without_a_clinic(user: Any) -> Any:
    from kneeclinic.accounts.models import CareLink

    return CareLink.objects.filter(physio=user, status=CareLink.Status.ACTIVE).values("runner_id")


def _admin_pages_for_any_clinician(request: Any) -> int:
    from django.http import Http404

    if request.user.clinic_id is None:
        raise Http404("Clinic admins only")
    return int(request.user.clinic_id)  # the role check is gone


# name -> (module, attribute, replacement)
MUTANTS: dict[str, tuple[str, str, Callable[..., Any]]] = {
    "visible_to lets every row through": ("kneeclinic.accounts.access", "visible_to", _everything),
    "visible_runner_ids lets every runner through": (
        "kneeclinic.accounts.access",
        "visible_runner_ids",
        _everything,
    ),
    "can_see_runner always says yes": ("kneeclinic.accounts.access", "can_see_runner", _always),
    "a revoked care link still counts": (
        "kneeclinic.accounts.access",
        "_linked_runner_ids",
        _links_of_any_status,
    ),
    "a physio outside any clinic still follows runners": (
        "kneeclinic.accounts.access",
        "_linked_runner_ids",
        _links_without_a_clinic,
    ),
    "the second-factor gate is open": ("kneeclinic.accounts.mfa", "session_verified", _always),
    "clinic admin pages open to any clinician": (
        "kneeclinic.clinic.views",
        "_admin_only",
        _admin_pages_for_any_clinician,
    ),
}


def apply(name: str) -> int:
    """Switch the named check off everywhere it is bound; return how many bindings changed."""
    module_name, attribute, replacement = MUTANTS[name]
    importlib.import_module("kneeclinic.urls")  # every view and API module, so all are bound
    original = getattr(importlib.import_module(module_name), attribute)
    replaced = 0
    for loaded_name, module in list(sys.modules.items()):
        if not loaded_name.startswith("kneeclinic") or module is None:
            continue
        for key, value in list(vars(module).items()):
            if value is original:
                setattr(module, key, replacement)
                replaced += 1
    return replaced


def pytest_sessionstart(session: pytest.Session) -> None:
    name = os.environ.get(ENV, "")
    if name:
        replaced = apply(name)
        if not replaced:
            raise pytest.UsageError(f"mutant {name!r}: nothing to replace")
        print(f"authz mutant applied: {name} ({replaced} bindings)")
