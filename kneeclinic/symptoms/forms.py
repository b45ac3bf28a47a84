"""Forms for the diary pages. Bad input comes back with the form still filled in."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone

from kneeclinic.domain import pain, proms, selfhelp, triage
from kneeclinic.symptoms.models import KNEE_CHOICES, SPOT_CHOICES, WHEN_CHOICES


def pain_label(value: int) -> str:
    word = pain.PAIN_WORDS.get(value)
    return f"{value} {word}" if word else str(value)


PAIN_CHOICES = [(str(n), pain_label(n)) for n in range(11)]


class PainEntryForm(forms.Form):
    pain_nrs = forms.TypedChoiceField(
        label="How much does it hurt?",
        choices=PAIN_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a number from 0 (no pain) to 10."},
    )
    when = forms.ChoiceField(
        label="When?",
        choices=WHEN_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose when it hurt."},
    )
    knee = forms.ChoiceField(
        label="Which knee?", choices=KNEE_CHOICES, widget=forms.RadioSelect, required=False
    )
    spot = forms.ChoiceField(
        label="Where does it hurt?", choices=SPOT_CHOICES, widget=forms.RadioSelect, required=False
    )
    note = forms.CharField(
        label="Note (optional)", max_length=500, required=False, widget=forms.Textarea({"rows": 2})
    )
    at = forms.DateTimeField(
        label="Time, if it was earlier",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Leave empty for now.",
    )
    client_token = forms.UUIDField(required=False, widget=forms.HiddenInput)
    run = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def clean_at(self) -> Any:
        at = self.cleaned_data.get("at")
        if at is not None and at > timezone.now() + timedelta(minutes=5):
            raise forms.ValidationError(
                "This time is in the future. Pain can only be recorded once felt."
            )
        return at


class MorningForm(forms.Form):
    """One tap on Today: this morning's pain."""

    pain_nrs = forms.TypedChoiceField(choices=PAIN_CHOICES, coerce=int)
    client_token = forms.UUIDField(required=False)


class AdviceForm(forms.Form):
    note = forms.CharField(label="Note (optional)", max_length=500, required=False)


class SelfHelpLogForm(forms.Form):
    measure = forms.ChoiceField(
        label="What did you use?",
        choices=[(m.value, selfhelp.GUIDANCE[m].title) for m in selfhelp.Measure],
        widget=forms.RadioSelect,
    )
    minutes = forms.IntegerField(
        label="For how many minutes? (optional)", required=False, min_value=1, max_value=1440
    )
    note = forms.CharField(label="Note (optional)", max_length=500, required=False)


YES_NO = [("yes", "Yes"), ("no", "No")]


class IbuprofenCheckForm(forms.Form):
    age_years = forms.IntegerField(label="How old are you?", min_value=1, max_value=120)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for question in selfhelp.IBUPROFEN_CHECK:
            self.fields[question.id] = forms.ChoiceField(
                label=question.text,
                choices=YES_NO,
                widget=forms.RadioSelect,
                error_messages={"required": "Please answer yes or no."},
            )

    def answers(self) -> dict[str, bool]:
        return {q.id: self.cleaned_data[q.id] == "yes" for q in selfhelp.IBUPROFEN_CHECK}


class AkpsForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for item in proms.AKPS_ITEMS:
            label = f"{item.number}. {item.prompt}"
            self.fields[item.id] = forms.ChoiceField(
                label=label,
                choices=[(o.code, o.text) for o in item.options],
                widget=forms.RadioSelect,
                help_text="Rate this yourself, comparing with your other leg."
                if item.self_rated
                else "",
                error_messages={"required": f"Item {item.number} ({item.title}) needs an answer."},
            )


def question_form_field(question: triage.Question) -> forms.Field:
    """The form field for one checker question."""
    if question.answer_type is triage.AnswerType.BOOLEAN:
        return forms.ChoiceField(choices=YES_NO, widget=forms.RadioSelect)
    if question.answer_type is triage.AnswerType.INTEGER:
        return forms.IntegerField(min_value=question.min_value, max_value=question.max_value)
    choices = [(o.code, o.text) for o in question.options]
    if question.answer_type is triage.AnswerType.CHOICE:
        return forms.ChoiceField(choices=choices, widget=forms.RadioSelect)
    return forms.MultipleChoiceField(
        choices=choices, widget=forms.CheckboxSelectMultiple, required=False
    )


class QuestionForm(forms.Form):
    def __init__(self, question: triage.Question, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.question = question
        field = question_form_field(question)
        field.label = question.text
        field.help_text = question.help_text
        field.error_messages["required"] = "Please choose an answer."
        self.fields["answer"] = field

    def value(self) -> triage.AnswerValue:
        raw = self.cleaned_data["answer"]
        if self.question.answer_type is triage.AnswerType.BOOLEAN:
            return bool(raw == "yes")
        if self.question.answer_type is triage.AnswerType.MULTI_CHOICE:
            return tuple(raw)
        return raw  # type: ignore[no-any-return]
