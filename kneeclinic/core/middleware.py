"""Small middlewares: a request id on every response, safe headers on every file handed over,
and the clinician session limits."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

from kneeclinic.accounts.mfa import SESSION_SEEN_KEY, SESSION_STARTED_KEY

REQUEST_ID_ATTR = "_kneeclinic_request_id"  # the attribute clinic.audit.request_id reads too
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

SEEN_RESOLUTION_S = 30  # write the last-seen time at most this often


def request_id(request: HttpRequest) -> str:
    """One id per request: the proxy's X-Request-ID when it looks safe, else a new one."""
    existing = getattr(request, REQUEST_ID_ATTR, None)
    if isinstance(existing, str):
        return existing
    header = request.META.get("HTTP_X_REQUEST_ID", "")
    value = header if _SAFE_REQUEST_ID.match(header) else uuid.uuid4().hex
    setattr(request, REQUEST_ID_ATTR, value)
    return value


class RequestIdMiddleware:
    """Give each request an id, send it back as X-Request-ID, and let logs and error pages quote
    it, so a person reporting "it went wrong" and the operator's log line can be matched."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        rid = request_id(request)
        response = self.get_response(request)
        response["X-Request-ID"] = rid
        return response


# The types an attachment may keep; any other (a guess from an uploaded file's name: "image/fits"
# for a .fit, XML for a .gpx, which can carry XHTML scripts) becomes application/octet-stream.
ATTACHMENT_TYPES = frozenset(
    {
        "application/zip",
        "application/pdf",
        "application/json",
        "application/fhir+json",
        "text/csv",
        "text/calendar",
        "audio/wav",
        "audio/x-wav",
    }
)
_QUOTED_FILENAME = re.compile(r'filename="((?:[^"\\]|\\.)*)"')


def _with_filename_star(disposition: str) -> str:
    """Add RFC 6266's ``filename*`` (UTF-8, percent-encoded) when only ``filename=`` is there."""
    if "filename*=" in disposition:
        return disposition
    found = _QUOTED_FILENAME.search(disposition)
    if found is None:
        return disposition
    name = re.sub(r"\\(.)", r"\1", found[1])
    return f"{disposition}; filename*=UTF-8''{quote(name, safe='')}"


class DownloadMiddleware:
    """A file we hand over is downloaded, never shown inside our site (ASVS 3.2.1, 5.4.1, T20).

    Every attachment gets an RFC 6266 ``filename*``, ``nosniff``, a sandboxing CSP that lets it
    run nothing should a browser open it anyway, and a neutral type unless it is one of the few
    the app itself produces.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        disposition = response.get("Content-Disposition", "")
        if disposition.lower().startswith("attachment"):
            response["Content-Disposition"] = _with_filename_star(disposition)
            kind = response.get("Content-Type", "").split(";")[0].strip().lower()
            if kind not in ATTACHMENT_TYPES:
                response["Content-Type"] = "application/octet-stream"
            response["X-Content-Type-Options"] = "nosniff"
            response["Content-Security-Policy"] = "sandbox; default-src 'none'"
        return response


class ClinicianSessionMiddleware:
    """End a clinician's session after an idle spell or a maximum length (ASVS 7.3.1/7.3.2).

    Runners keep the ordinary session age. A clinician past either limit is logged out before
    the view runs, so the view sees an anonymous visitor and asks for a log-in as usual.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "is_clinician", False):
            self._check(request)
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> None:
        session = request.session
        now = time.time()
        started = _number(session.get(SESSION_STARTED_KEY))
        seen = _number(session.get(SESSION_SEEN_KEY))
        if started is None:
            session[SESSION_STARTED_KEY] = started = now
        if seen is None:
            seen = now
        too_long = now - started > settings.CLINICIAN_MAX_SECONDS
        idle = now - seen > settings.CLINICIAN_IDLE_SECONDS
        if too_long or idle:
            logout(request)
            messages.info(
                request,
                "You were signed out after a spell without activity. Please log in again."
                if idle
                else "For safety, clinicians sign in again every day. Please log in again.",
            )
            return
        if now - seen >= SEEN_RESOLUTION_S or SESSION_SEEN_KEY not in session:
            session[SESSION_SEEN_KEY] = now


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None
