from __future__ import annotations

import logging
from typing import Any

from django import forms
from django.contrib.auth import authenticate, password_validation
from django.http import HttpRequest

from kneeclinic.accounts import services
from kneeclinic.accounts.models import User, time_zone_choices

log = logging.getLogger(__name__)


class SignUpForm(forms.Form):
    name = forms.CharField(label="Your first name", max_length=150, required=False)
    email = forms.EmailField(label="Email address")
    password = forms.CharField(
        label="Password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 12 characters. A short sentence is easy to remember.",
    )

    def clean_email(self) -> str:
        # No "already an account" here: that would tell anyone who has one (the email says it).
        email: str = self.cleaned_data["email"].strip().lower()
        return email

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password"):
            user = User(email=data.get("email", ""), name=data.get("name", ""))
            try:
                password_validation.validate_password(data["password"], user)
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data


class LoginForm(forms.Form):
    email = forms.EmailField(
        label="Email address", widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = forms.CharField(
        label="Password", widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        self.request = request
        self.user: User | None = None
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        email, password = data.get("email"), data.get("password")
        if not email or not password:
            return data
        address = services.client_address(self.request)
        if not services.claim_login_attempt(email, address):
            log.warning("login refused", extra={"reason": "throttled", "address": address})
            raise forms.ValidationError(
                "Too many failed attempts for this account. For your safety, logging in is paused "
                "for 15 minutes. You can reset your password meanwhile.",
                code="throttled",
            )
        user = authenticate(self.request, username=email, password=password)
        if user is None:
            log.warning(
                "login failed", extra={"reason": "wrong email or password", "address": address}
            )
            raise forms.ValidationError(
                "That email and password do not match an account. Check them and try again.",
                code="invalid_login",
            )
        services.clear_login_failures(email, address)
        self.user = user if isinstance(user, User) else None
        return data


class ProfileForm(forms.ModelForm[User]):
    time_zone = forms.ChoiceField(choices=time_zone_choices, label="Time zone")

    class Meta:
        model = User
        fields = ("name", "units", "date_style", "time_zone", "sore_knee")
        labels = {
            "name": "Your first name",
            "units": "Distances in",
            "date_style": "Show dates as",
            "sore_knee": "Which knee hurts?",
        }
        widgets = {
            "units": forms.RadioSelect,
            "sore_knee": forms.RadioSelect,
        }


class TwoFactorForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )

    def __init__(self, *args: Any, setting_up: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["code"]
        if setting_up:
            field.label = "The 6-digit code your app shows"
            field.widget.attrs["inputmode"] = "numeric"
        else:
            field.label = "The 6-digit code from your authenticator app"
            field.help_text = "Lost your phone? Type one of your recovery codes instead."
