from __future__ import annotations

from typing import Any

from django import forms

from kneeclinic.accounts.models import User
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


class EraseForm(forms.Form):
    password = forms.CharField(
        label="Your password, to confirm",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label="I understand that after 7 days my account and all my data are deleted for good."
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That password is not right.")
        return password
