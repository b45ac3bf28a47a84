"""Forms for the back-to-running pages."""

from __future__ import annotations

from typing import Any

from django import forms

from kneeclinic.domain import returntorun as rtr
from kneeclinic.domain import technique

PAIN_CHOICES = [(n, f"{n} out of 10") for n in range(11)]
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
WEEKDAY_CHOICES = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]


def pain_field(label: str, help_text: str = "0 = no pain, 10 = worst pain imaginable") -> Any:
    return forms.TypedChoiceField(
        label=label,
        choices=PAIN_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        help_text=help_text,
    )


def count_field(label: str, help_text: str = "") -> forms.IntegerField:
    return forms.IntegerField(label=label, min_value=0, max_value=200, help_text=help_text)


class ReadinessForm(forms.Form):
    brisk_walk_pain_free_min = count_field(
        "How many minutes can you walk briskly without pain?",
        f"The aim is {rtr.READY_BRISK_WALK_MIN} minutes in one go.",
    )
    squats_left = count_field(
        "Controlled single-leg squats on your left leg",
        "Knee stays over the foot, pelvis level. Count the good ones.",
    )
    squats_right = count_field("Controlled single-leg squats on your right leg")
    squat_pain_nrs = pain_field("Worst pain during the squats")
    hops_left = count_field("Single-leg hops on your left leg", "Small hops on the spot.")
    hops_right = count_field("Single-leg hops on your right leg")
    hop_pain_nrs = pain_field("Worst pain during the hops")
    daily_pain_nrs = pain_field("Your usual knee pain on an ordinary day")
    red_flags = forms.BooleanField(
        label=(
            "I have a warning sign: the knee is hot and swollen, locks, gives way, or I feel "
            "unwell with it"
        ),
        required=False,
    )

    def answers(self) -> rtr.ReadinessAnswers:
        return rtr.ReadinessAnswers(**self.cleaned_data)


class ChoosePlanForm(forms.Form):
    template_slug = forms.ChoiceField(
        label="Plan",
        choices=[(t.slug, t.name) for t in rtr.TEMPLATES.values()],
        widget=forms.RadioSelect,
    )
    start_date = forms.DateField(label="First run", widget=DATE_INPUT)
    weekdays = forms.TypedMultipleChoiceField(
        label="Days you will run",
        choices=WEEKDAY_CHOICES,
        coerce=int,
        initial=list(rtr.DEFAULT_RUN_WEEKDAYS),
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave at least one rest day between runs.",
    )
    needs_signoff_before_start = forms.BooleanField(
        label="Ask my physiotherapist to review the plan before I start", required=False
    )
    needs_signoff_before_continuous = forms.BooleanField(
        label="Ask my physiotherapist to review before I run without walk breaks",
        required=False,
    )

    def clean_weekdays(self) -> tuple[int, ...]:
        try:
            return rtr.check_run_weekdays(self.cleaned_data["weekdays"])
        except rtr.ReturnToRunError as error:
            raise forms.ValidationError(str(error)) from error


class SessionForm(forms.Form):
    on = forms.DateField(label="Day of the run", widget=DATE_INPUT)
    completed = forms.BooleanField(label="I finished the whole session", required=False)
    pain_during_nrs = pain_field("Worst knee pain during the run")
    pain_after_nrs = pain_field("Knee pain straight after")
    swelling = forms.BooleanField(label="The knee swelled up", required=False)
    limp = forms.BooleanField(label="I limped during or after", required=False)


class MorningForm(forms.Form):
    pain_next_morning_nrs = pain_field("Knee pain this morning")


class CadenceTargetForm(forms.Form):
    target_spm = forms.IntegerField(
        label="Target cadence (steps per minute)",
        min_value=int(technique.RUNNING_MIN_SPM),
        max_value=int(technique.MAX_PLAUSIBLE_SPM),
    )
    note = forms.CharField(label="Note (optional)", max_length=300, required=False)


class ClickTrackForm(forms.Form):
    bpm = forms.IntegerField(
        label="Clicks per minute",
        min_value=40,
        max_value=int(technique.MAX_PLAUSIBLE_SPM),
    )
    minutes = forms.IntegerField(
        label="Length (minutes)",
        min_value=1,
        max_value=technique.MAX_CLICK_TRACK_S // 60,
        initial=20,
    )


class ShoeForm(forms.Form):
    name = forms.CharField(label="Name", max_length=120, help_text="For example brand and model.")
    start_date = forms.DateField(label="First run in them", widget=DATE_INPUT)
    starting_distance = forms.FloatField(
        label="Distance already run in them",
        min_value=0,
        initial=0,
        help_text="In your distance unit (km or miles).",
    )
    is_default = forms.BooleanField(label="Use for new runs by default", required=False)
    first_check_km = forms.IntegerField(
        label="First wear check at (km)", min_value=1, max_value=5000, initial=500
    )
    second_check_km = forms.IntegerField(
        label="Second wear check at (km)", min_value=2, max_value=5000, initial=800
    )
    retired = forms.BooleanField(label="Retired (no longer running in them)", required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("first_check_km"), data.get("second_check_km")
        if first is not None and second is not None and first >= second:
            raise forms.ValidationError("The first wear check must come before the second.")
        return data


class NewShoeForm(ShoeForm):
    """Adding a pair: it is in use, so there is nothing to retire yet."""

    retired = None  # type: ignore[assignment]
