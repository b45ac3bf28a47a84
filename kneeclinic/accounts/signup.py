"""Sign-up that does not tell strangers which emails have accounts (security plan T11).

Step one takes the email, name and password and answers the same page whatever the email: an
email goes to the address, with a link to finish signing up, or, when the address already has an
account, with a note saying so and how to log in. The password is hashed at once and kept only
in this browser's server-side session; the link (signed, valid for ``LINK_HOURS``) must be opened
in the same browser, where a button creates the account.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse

from kneeclinic.accounts import services
from kneeclinic.accounts.models import User

logger = logging.getLogger(__name__)
SESSION_KEY = "signup_pending"
SALT = "kneeclinic.accounts.signup"
LINK_HOURS = 24


class SignUpError(ValueError):
    """The link cannot finish a sign-up; the message says why and what to do."""


def start(request: HttpRequest, email: str, name: str, password: str) -> None:
    """Keep the pending sign-up in the session and email the address (both cases alike)."""
    email = email.strip().lower()
    nonce = secrets.token_urlsafe(16)
    # Hash in both cases, so the answer takes as long for a known address as for a new one.
    request.session[SESSION_KEY] = {
        "email": email,
        "name": name,
        "hash": make_password(password),
        "nonce": nonce,
    }
    token = signing.dumps({"email": email, "nonce": nonce}, salt=SALT)
    link = request.build_absolute_uri(reverse("accounts:signup-confirm", kwargs={"token": token}))
    if User.objects.filter(email__iexact=email).exists():
        subject = "Your Knee Clinic account"
        body = (
            "Someone (probably you) tried to create a Knee Clinic account with this email "
            "address, but it already has one.\n\n"
            f"Log in: {request.build_absolute_uri(reverse('accounts:login'))}\n"
            "Forgotten your password? Reset it: "
            f"{request.build_absolute_uri(reverse('accounts:password-reset'))}\n\n"
            "If it was not you, you can ignore this email: nothing has changed.\n"
        )
    else:
        subject = "Finish creating your Knee Clinic account"
        body = (
            "Open this link in the same browser to finish creating your Knee Clinic account:\n"
            f"{link}\n\n"
            f"The link works for {LINK_HOURS} hours. If you did not ask for an account, ignore "
            "this email: nothing is created unless the link is opened.\n"
        )
    try:
        send_mail(subject, body, None, [email])
    except OSError:
        logger.warning("the sign-up email could not be sent")


def pending(request: HttpRequest, token: str) -> dict[str, Any]:
    """The pending sign-up this link finishes, or a SignUpError saying why it cannot."""
    try:
        data = signing.loads(token, salt=SALT, max_age=LINK_HOURS * 3600)
    except signing.SignatureExpired as exc:
        raise SignUpError(
            f"This link has expired (links last {LINK_HOURS} hours). Sign up again."
        ) from exc
    except signing.BadSignature as exc:
        raise SignUpError(
            "This link is not valid. Check you copied all of it, or sign up again."
        ) from exc
    kept = request.session.get(SESSION_KEY)
    if not isinstance(kept, dict) or kept.get("nonce") != data.get("nonce"):
        raise SignUpError(
            "Open the link in the browser where you signed up, or sign up again here."
        )
    if User.objects.filter(email__iexact=kept["email"]).exists():
        raise SignUpError("This email already has an account. Log in instead.")
    return kept


def finish(request: HttpRequest, token: str) -> User:
    """Create the account from the pending sign-up (once) and forget the pending data."""
    kept = pending(request, token)
    with transaction.atomic():
        try:
            user = services.create_user(kept["email"], None, name=kept["name"])
        except services.DuplicateEmail as exc:
            raise SignUpError("This email already has an account. Log in instead.") from exc
        user.password = kept["hash"]
        user.save(update_fields=["password"])
    request.session.pop(SESSION_KEY, None)
    return user
