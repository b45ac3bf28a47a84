"""Forms of the runs pages: filters, edits, a run entered by hand."""

from __future__ import annotations

import re
from datetime import datetime, time
from typing import Any

from django import forms

from kneeclinic.accounts.models import User
from kneeclinic.activities.models import Activity
from kneeclinic.domain import units
from kneeclinic.domain.activity import Sport

SPORT_CHOICES = [
    (Sport.RUNNING.value, "Run"),
    (Sport.WALKING.value, "Walk"),
    (Sport.HIKING.value, "Hike"),
    (Sport.CYCLING.value, "Ride"),
    (Sport.SWIMMING.value, "Swim"),
    (Sport.OTHER.value, "Other"),
]
FEELINGS = [
    ("", "Not saying"),
    ("Easy", "Easy"),
    ("Comfortable", "Comfortable"),
    ("Hard", "Hard"),
    ("Knee sore during", "My knee was sore during it"),
    ("Knee sore after", "My knee was sore afterwards"),
]
_DURATION = re.compile(
    r"^\s*(?:(\d+):)?(\d{1,3}):(\d{2})\s*$|^\s*(\d+(?:[.,]\d+)?)\s*(?:min|mins|minutes)?\s*$"
)
MAX_DURATION_S = 48 * 3600


def parse_duration(text: str) -> float:
    """ "45" or "45 min" (minutes), "45:30" (min:s) or "1:05:00" (h:min:s), in seconds."""
    match = _DURATION.match(text)
    if match is None:
        raise forms.ValidationError("Type the time as minutes (45) or as 45:30 or 1:05:00.")
    if match[4] is not None:
        seconds = float(match[4].replace(",", ".")) * 60
    else:
        seconds = int(match[1] or 0) * 3600 + int(match[2]) * 60 + int(match[3])
        if int(match[3]) >= 60 or (match[1] and int(match[2]) >= 60):
            raise forms.ValidationError("Minutes and seconds go up to 59.")
    if not 0 < seconds <= MAX_DURATION_S:
        raise forms.ValidationError("Type a time between one second and 48 hours.")
    return seconds


class RunFilterForm(forms.Form):
    q = forms.CharField(label="Name contains", required=False, max_length=100)
    sport = forms.ChoiceField(label="Sport", required=False, choices=[("", "All"), *SPORT_CHOICES])
    start = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class EditRunForm(forms.ModelForm):  # type: ignore[type-arg]
    shoe: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None, required=False, label="Shoe", empty_label="No shoe"
    )

    class Meta:
        model = Activity
        fields = ("name", "sport", "excluded_from_load")
        labels = {"excluded_from_load": "Leave this out of my training load"}
        help_texts = {
            "excluded_from_load": (
                "For a run that was not really a run: a watch left on in the car, a test."
            )
        }
        widgets = {"sport": forms.Select(choices=SPORT_CHOICES)}

    def __init__(self, *args: Any, runner: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from kneeclinic.plans.models import Shoe

        self.fields["shoe"].queryset = Shoe.objects.filter(runner=runner, retired=False)  # type: ignore[attr-defined]
        self.fields["name"].required = True


class ManualRunForm(forms.Form):
    day = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    at = forms.TimeField(
        label="Start time",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}),
        help_text="Optional.",
    )
    distance = forms.CharField(label="Distance", max_length=20)
    duration = forms.CharField(
        label="Time taken", max_length=12, help_text="Minutes (45), or 45:30, or 1:05:00."
    )
    sport = forms.ChoiceField(label="Sport", choices=SPORT_CHOICES, initial=Sport.RUNNING.value)
    how_it_felt = forms.ChoiceField(label="How did it feel?", choices=FEELINGS, required=False)
    name = forms.CharField(
        label="Name", required=False, max_length=200, help_text="Optional, such as Parkrun."
    )

    def __init__(self, *args: Any, runner: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.runner = runner
        self.unit = units.DistanceUnit(runner.units)
        self.fields[
            "distance"
        ].help_text = f"In {self.unit.name_plural}, such as 5 or 5.2; or 800 m."

    def clean_distance(self) -> float:
        try:
            distance = units.parse_distance(self.cleaned_data["distance"], self.unit)
        except units.UnitError as exc:
            raise forms.ValidationError(str(exc)) from None
        if not 0 < distance <= 500_000:
            raise forms.ValidationError("Type a distance between 1 metre and 500 km.")
        return distance

    def clean_duration(self) -> float:
        return parse_duration(self.cleaned_data["duration"])

    def start(self) -> datetime:
        at = self.cleaned_data.get("at") or time(12, 0)
        return datetime.combine(self.cleaned_data["day"], at, self.runner.tz)
