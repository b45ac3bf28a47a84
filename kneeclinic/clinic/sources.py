"""Other areas' models, read defensively: an area still being built simply contributes nothing."""

from __future__ import annotations

from importlib import import_module
from typing import Any


def optional_model(module: str, name: str) -> Any:
    """The model class if its area has it, else None."""
    try:
        return getattr(import_module(module), name)
    except (ImportError, AttributeError):
        return None


def pain_entries() -> Any:
    return optional_model("kneeclinic.symptoms.models", "PainEntry")


def checker_runs() -> Any:
    return optional_model("kneeclinic.symptoms.models", "CheckerRun")


def kujala_responses() -> Any:
    return optional_model("kneeclinic.symptoms.models", "AkpsResponse")


def self_help_logs() -> Any:
    return optional_model("kneeclinic.symptoms.models", "SelfHelpLog")


def run_plans() -> Any:
    return optional_model("kneeclinic.plans.models", "RunPlan")


def exercise_programmes() -> Any:
    return optional_model("kneeclinic.exercises.models", "Programme")


def exercise_sessions() -> Any:
    return optional_model("kneeclinic.exercises.models", "ExerciseSession")
