from __future__ import annotations

from django import forms

from kneeclinic.core.models import ApiToken


class TokenForm(forms.Form):
    name = forms.CharField(
        label="What is it for?", max_length=100, help_text="For example: my sync script."
    )
    scope = forms.ChoiceField(
        label="It may",
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        widget=forms.RadioSelect,
    )
    days = forms.TypedChoiceField(
        label="It stops working after",
        choices=[
            ("30", "30 days"),
            ("90", "90 days"),
            ("365", "a year"),
            ("0", "never (until revoked)"),
        ],
        initial="90",
        coerce=str,
    )
