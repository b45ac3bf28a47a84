from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from kneeclinic.clinic.models import Imaging, ImagingStatus, ReviewOutcome
from kneeclinic.domain import exercises
from kneeclinic.plans.forms import WEEKDAY_CHOICES, ChoosePlanForm


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Invitation code from your physio",
        max_length=30,
        help_text=(
            "Ten letters and numbers, for example 7K2M9-QX4TB. Dashes and spaces do not matter."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


class InviteForm(forms.Form):
    runner_email = forms.EmailField(
        label="Runner's email address (optional)",
        required=False,
        help_text="If you fill this in, only the account with this address can accept.",
    )


class NoteForm(forms.Form):
    seen_on = forms.DateField(
        label="Date of the assessment", widget=forms.DateInput(attrs={"type": "date"})
    )
    history = forms.CharField(
        label="History", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    examination = forms.CharField(
        label="Examination findings", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    imaging = forms.ChoiceField(label="Imaging", choices=Imaging.choices, required=False)
    imaging_status = forms.ChoiceField(
        label="Imaging status", choices=ImagingStatus.choices, required=False
    )
    imaging_result = forms.CharField(
        label="Imaging result", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    working_diagnosis = forms.CharField(label="Working diagnosis", max_length=300, required=False)
    plan = forms.CharField(label="Plan", required=False, widget=forms.Textarea(attrs={"rows": 4}))
    free_text = forms.CharField(
        label="Other notes", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    shared_with_runner = forms.BooleanField(label="Let the runner read this note", required=False)
    change_reason = forms.CharField(
        label="Reason for the change",
        max_length=200,
        required=False,
        help_text="Kept with this version, for example 'MRI result added'.",
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["change_reason"]
            self.fields["seen_on"].initial = timezone.localdate()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("imaging") and not data.get("imaging_status"):
            self.add_error("imaging_status", "Say whether the imaging was requested or reviewed.")
        if data.get("imaging_status") and not data.get("imaging"):
            self.add_error("imaging", "Choose which imaging this is.")
        if data.get("imaging_status") == ImagingStatus.REVIEWED and not data.get("imaging_result"):
            self.add_error("imaging_result", "Add the result of the reviewed imaging.")
        content = [
            name
            for name in (
                "history",
                "examination",
                "working_diagnosis",
                "plan",
                "free_text",
                "imaging_result",
            )
            if data.get(name)
        ]
        if not content and not data.get("imaging"):
            raise forms.ValidationError("The note is empty. Fill in at least one section.")
        return data


class ReviewForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Outcome of your review", choices=ReviewOutcome.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label="Note for the runner (optional)",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _library_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    for category, label in (
        (exercises.Category.STRENGTH, "Strengthening"),
        (exercises.Category.STRETCH, "Stretching"),
    ):
        groups.append((label, [(e.slug, e.name) for e in exercises.by_category(category)]))
    return groups


class DoseForm(forms.Form):
    """An exercise's dose and weeks, as a physio prescribes it."""

    sets = forms.IntegerField(label="Sets", min_value=1, max_value=10, initial=3)
    reps = forms.IntegerField(
        label="Repetitions per set",
        min_value=1,
        max_value=100,
        required=False,
        help_text="Leave empty for a hold only (a stretch).",
    )
    hold_s = forms.IntegerField(label="Hold (seconds)", min_value=1, max_value=600, required=False)
    each_side = forms.BooleanField(label="Each side", required=False)
    load = forms.CharField(label="Load", max_length=80, initial="body weight")
    from_week = forms.IntegerField(label="From week", min_value=1, max_value=52, initial=1)
    until_week = forms.IntegerField(
        label="Until week (optional)", min_value=1, max_value=52, required=False
    )
    note = forms.CharField(
        label="Note for the runner (optional)",
        max_length=500,
        required=False,
        help_text="They see it with the change, for example why you made it.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("reps") and not data.get("hold_s") and not self.errors:
            raise forms.ValidationError("Give the repetitions, a hold time, or both.")
        return data


class AddExerciseForm(DoseForm):
    slug = forms.ChoiceField(label="Exercise from the library", choices=_library_choices)

    field_order = ("slug",)


class RemoveExerciseForm(forms.Form):
    note = forms.CharField(label="Note for the runner (optional)", max_length=500, required=False)


class InvitePhysioForm(forms.Form):
    physio_email = forms.EmailField(
        label="Your physio's email address (optional)",
        required=False,
        help_text="If you fill this in, we email them the link, and only that account can use it.",
    )
    agree = forms.BooleanField(
        label="I agree that the physio who uses this invitation can see my record as listed here",
        error_messages={"required": "Tick the box to agree, or do not send the invitation."},
    )


class RunnerCodeForm(forms.Form):
    code = forms.CharField(
        label="Code from a runner",
        max_length=30,
        help_text="Ten letters and numbers, for example 7K2M9-QX4TB.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


PLAN_NOTE = forms.CharField(
    label="Note for the runner (optional)",
    max_length=500,
    required=False,
    help_text="They see it on their plan page, for example why you chose this plan.",
)


class SetPlanForm(ChoosePlanForm):
    """A physio starts a return-to-run plan for a runner (no readiness check needed)."""

    note = PLAN_NOTE

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["weekdays"].label = "Run days"
        self.fields["needs_signoff_before_start"].label = "I review before the first run"
        self.fields[
            "needs_signoff_before_continuous"
        ].label = "I review before running without walk breaks"


class PlanGatesForm(forms.Form):
    weekdays = forms.TypedMultipleChoiceField(
        label="Run days",
        choices=WEEKDAY_CHOICES,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave at least one rest day between runs.",
    )
    needs_signoff_before_start = forms.BooleanField(
        label="I review before the first run", required=False
    )
    needs_signoff_before_continuous = forms.BooleanField(
        label="I review before running without walk breaks", required=False
    )
    note = PLAN_NOTE
