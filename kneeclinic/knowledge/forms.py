from __future__ import annotations

from typing import Any

from django import forms

from kneeclinic.knowledge import library
from kneeclinic.knowledge.models import TopicSuggestion

MIN_SUGGESTION_CHARS = 5
MAX_SUGGESTION_CHARS = 500


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search the articles",
        required=False,
        max_length=10_000,  # longer input is cut down by the search itself, never an error
        widget=forms.SearchInput(
            attrs={"placeholder": "e.g. stairs hurt, kneecap", "autocomplete": "off"}
        ),
    )


class SuggestionForm(forms.Form):
    text = forms.CharField(
        label="Your topic or question",
        min_length=MIN_SUGGESTION_CHARS,
        max_length=MAX_SUGGESTION_CHARS,
        help_text="A question or a topic, in a sentence or two. Please do not include personal "
        "or medical details.",
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MAX_SUGGESTION_CHARS}),
        error_messages={
            "min_length": "Please write a few more words so we know what you would like.",
            "max_length": "Please keep it under 500 characters.",
            "required": "Please write a topic or a question.",
        },
    )
    from_article = forms.SlugField(required=False, widget=forms.HiddenInput)
    # A honeypot: people never see this field (it is hidden and skipped by screen readers),
    # while form-filling robots tend to fill it in.
    website = forms.CharField(
        required=False,
        label="Leave this empty",
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def is_robot(self) -> bool:
        return bool(self.cleaned_data.get("website"))


def article_choices() -> list[tuple[str, str]]:
    return [("", "Choose the article that answers it")] + [
        (article.slug, article.title) for article in library.all_articles()
    ]


class SuggestionStatusForm(forms.Form):
    ACTIONS = (
        ("planned", "Mark planned"),
        ("written", "Mark written"),
        ("declined", "Not planned"),
        ("new", "Reopen"),
        ("merge", "Merge into another"),
    )
    action = forms.ChoiceField(choices=ACTIONS)
    answered_by = forms.ChoiceField(required=False, label="Answered by")
    merge_into = forms.UUIDField(required=False, label="Merge into")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["answered_by"].choices = article_choices()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "written" and not data.get("answered_by"):
            self.add_error("answered_by", "Choose the article that answers this suggestion.")
        if data.get("action") == "merge":
            target = data.get("merge_into")
            found = TopicSuggestion.objects.filter(code=target).first() if target else None
            if found is None:
                self.add_error("merge_into", "Choose the suggestion to merge into.")
            data["merge_target"] = found
        return data


class ClinicPageForm(forms.Form):
    introduction = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="A few sentences about the clinic. Plain text; Markdown lists and links work.",
    )
    services = forms.CharField(
        label="Musculoskeletal services",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="For example: running injury assessment, gait analysis, exercise programmes.",
    )
    diagnostics = forms.CharField(
        label="Diagnostic options",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="For example: X-ray or MRI by referral, ultrasound on site.",
    )
    how_to_book = forms.CharField(
        label="How to book",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    phone = forms.CharField(required=False, max_length=40)
    email = forms.EmailField(required=False)
    address = forms.CharField(
        required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class AssessmentRequestForm(forms.Form):
    name = forms.CharField(max_length=150, label="Your name")
    email = forms.EmailField(label="Your email address")
    phone = forms.CharField(max_length=40, required=False, label="Phone (optional)")
    message = forms.CharField(
        max_length=2000,
        min_length=MIN_SUGGESTION_CHARS,
        label="What would you like help with?",
        help_text="A short description: which knee, how long, what makes it worse. "
        "If it is urgent, do not wait for a reply: see when to get help urgently.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    website = forms.CharField(
        required=False,
        label="Leave this empty",
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def is_robot(self) -> bool:
        return bool(self.cleaned_data.get("website"))
