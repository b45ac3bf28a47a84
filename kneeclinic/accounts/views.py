from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from kneeclinic.accounts import mfa
from kneeclinic.accounts import signup as signup_flow
from kneeclinic.accounts.forms import LoginForm, ProfileForm, SignUpForm, TwoFactorForm
from kneeclinic.accounts.models import User
from kneeclinic.accounts.types import AuthenticatedRequest


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/"


MFA_USER_KEY = "mfa_pending_user"
MFA_STARTED_KEY = "mfa_pending_since"
MFA_NEXT_KEY = "mfa_pending_next"
MFA_STEP_SECONDS = 300


@never_cache
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """Step one: the same answer for every email, so sign-up does not reveal who has an account."""
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        signup_flow.start(request, email, form.cleaned_data["name"], form.cleaned_data["password"])
        return render(request, "accounts/signup_sent.html", {"email": email})
    return render(request, "accounts/signup.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def signup_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Step two, from the emailed link: a button creates the account and logs it in."""
    try:
        if request.method == "POST":
            # One transaction: an account that could not be logged in is not left behind.
            with transaction.atomic():
                user = signup_flow.finish(request, token)
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "Welcome to Knee Clinic. Tell us a little about you.")
            return redirect("accounts:profile")
        kept = signup_flow.pending(request, token)
    except signup_flow.SignUpError as exc:
        return render(request, "accounts/signup_refused.html", {"reason": str(exc)}, status=410)
    return render(request, "accounts/signup_confirm.html", {"email": kept["email"]})


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request, request.POST or None)
    if request.method == "POST" and form.is_valid() and form.user is not None:
        if mfa.required_for(form.user):
            # Clinicians are not logged in until they give a second factor (no password is kept).
            request.session.cycle_key()
            request.session[MFA_USER_KEY] = form.user.pk
            request.session[MFA_STARTED_KEY] = time.time()
            request.session[MFA_NEXT_KEY] = _next_url(request)
            return redirect("accounts:two-factor")
        login(request, form.user)
        return redirect(_next_url(request))
    status = 429 if any(e.code == "throttled" for e in form.non_field_errors().as_data()) else 200
    return render(
        request, "accounts/login.html", {"form": form, "next": _next_url(request)}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: AuthenticatedRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your settings are saved.")
        return redirect("core:today")
    return render(request, "accounts/profile.html", {"form": form})


def _pending_user(request: HttpRequest) -> User | None:
    """The clinician who gave the right password moments ago, if any."""
    started = request.session.get(MFA_STARTED_KEY)
    user_id = request.session.get(MFA_USER_KEY)
    if user_id is None or started is None or time.time() - float(started) > MFA_STEP_SECONDS:
        return None
    return User.objects.filter(pk=user_id, is_active=True).first()


def _clear_pending(request: HttpRequest) -> str:
    request.session.pop(MFA_USER_KEY, None)
    request.session.pop(MFA_STARTED_KEY, None)
    return str(request.session.pop(MFA_NEXT_KEY, "/") or "/")


@never_cache
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """Second step of a clinician's log-in: set up an authenticator app, or give its code."""
    user = _pending_user(request)
    if user is None:
        _clear_pending(request)
        messages.error(request, "Please log in again: the sign-in step timed out.")
        return redirect("accounts:login")
    setting_up = not mfa.has_confirmed_device(user)
    device = mfa.device_for_setup(user) if setting_up else None
    form = TwoFactorForm(request.POST or None, setting_up=setting_up)
    status = 200
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        try:
            if setting_up or mfa.looks_like_totp(code):
                accepted = mfa.verify_totp(user, code)
            else:
                accepted = mfa.use_recovery_code(user, code)
        except mfa.Locked:
            form.add_error(
                None,
                "Too many wrong codes. For your safety, please wait 15 minutes and try again.",
            )
            status = 429
        else:
            if accepted:
                next_url = _clear_pending(request)
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                mfa.mark_session_verified(request)
                if setting_up:
                    codes = mfa.new_recovery_codes(user)
                    return render(
                        request,
                        "accounts/recovery_codes.html",
                        {"codes": codes, "next": next_url},
                    )
                return redirect(next_url)
            form.add_error("code", "That code did not work. Check your app and try again.")
    context: dict[str, object] = {"form": form, "setting_up": setting_up}
    if device is not None:
        uri = mfa.provisioning_uri(user, device)
        context.update(
            qr=mfa.qr_data_uri(uri),
            secret=" ".join(device.secret[i : i + 4] for i in range(0, len(device.secret), 4)),
        )
    return render(request, "accounts/two_factor.html", context, status=status)


@login_required
@never_cache
@require_http_methods(["POST"])
def new_recovery_codes(request: AuthenticatedRequest) -> HttpResponse:
    if not mfa.has_confirmed_device(request.user):
        return redirect("accounts:profile")
    codes = mfa.new_recovery_codes(request.user)
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": "/"})


@require_http_methods(["POST"])
def logout_view(request: HttpRequest) -> HttpResponse:
    """Log out, and ask the browser to drop cached pages (the offline player keeps some)."""
    logout(request)
    response = redirect("accounts:login")
    response["Clear-Site-Data"] = '"cache"'
    return response
