"""The domain layer stays plain Python: no Django, no web layer, no I/O."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

DOMAIN = Path(__file__).resolve().parents[2] / "kneeclinic" / "domain"

FORBIDDEN_MODULES = (
    "django",
    "ninja",
    "requests",
    "urllib.request",
    "http.client",
    "socket",
    "sqlite3",
    "psycopg",
    "subprocess",
    "kneeclinic.settings",
    "kneeclinic.accounts",
    "kneeclinic.activities",
    "kneeclinic.symptoms",
    "kneeclinic.exercises",
    "kneeclinic.plans",
    "kneeclinic.clinic",
    "kneeclinic.knowledge",
    "kneeclinic.api",
    "kneeclinic.core",
    "kneeclinic.training",
)
FORBIDDEN_CALLS = {"open"}


def forbidden_imports(source: str) -> list[str]:
    """Return the forbidden modules imported, and forbidden builtins called, in ``source``."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in FORBIDDEN_CALLS
        ):
            found.append(f"{node.func.id}()")
        for name in names:
            if any(name == m or name.startswith(m + ".") for m in FORBIDDEN_MODULES):
                found.append(name)
    return found


def domain_files() -> list[Path]:
    return sorted(DOMAIN.rglob("*.py"))


def test_the_domain_package_has_modules_to_check() -> None:
    assert DOMAIN / "__init__.py" in domain_files()


@pytest.mark.parametrize("path", domain_files(), ids=lambda p: str(p.relative_to(DOMAIN)))
def test_domain_module_imports_no_django_and_does_no_io(path: Path) -> None:
    assert forbidden_imports(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "source",
    [
        "import django",
        "from django.db import models",
        "from kneeclinic.accounts.models import User",
        "import ninja",
        "import sqlite3",
        "data = open('x').read()",
    ],
)
def test_the_check_catches_each_kind_of_leak(source: str) -> None:
    assert forbidden_imports(source) != []


def test_the_check_allows_plain_python() -> None:
    assert forbidden_imports("import math\nfrom dataclasses import dataclass\n") == []
