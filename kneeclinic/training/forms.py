from __future__ import annotations

from typing import Any

from django import forms

from kneeclinic.domain.units import DistanceUnit, UnitError, parse_distance


class PlanForm(forms.Form):
    """A planned run's distance, typed in the runner's unit (or with its own, e.g. "5 mi")."""

    distance = forms.CharField(
        max_length=20,
        strip=True,
        error_messages={"required": "Type the distance you plan to run."},
    )

    def __init__(self, *args: Any, unit: DistanceUnit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unit = unit
        field = self.fields["distance"]
        field.label = f"Planned distance ({unit.label})"
        field.help_text = f"For example 10 or 12.5 ({unit.name_plural})."
        field.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})

    def clean_distance(self) -> float:
        try:
            return parse_distance(self.cleaned_data["distance"], self.unit)
        except UnitError as error:
            raise forms.ValidationError(str(error)) from error
