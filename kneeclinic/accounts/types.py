"""Typing help for views behind @login_required: ``request.user`` is a real User there."""

from __future__ import annotations

from django.http import HttpRequest

from kneeclinic.accounts.models import User


class AuthenticatedRequest(HttpRequest):
    user: User
