from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from kneeclinic.clinic.models import Imaging, ImagingStatus, ReviewOutcome


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
