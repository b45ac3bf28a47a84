"""When the server runs short of something: an upload too large, a full disk, a read-only database.

``UploadSizeLimitMiddleware`` refuses a request whose declared body is over
``UPLOAD_MAX_BYTES`` from its ``Content-Length`` alone, before anything reads the body (Django
does not count file data against ``DATA_UPLOAD_MAX_MEMORY_SIZE``). It sits last in
``MIDDLEWARE``, so the refusal still carries every security header of the outer middlewares, and
no view (nor the CSRF check) has read a byte of the body yet.

``StorageFailureMiddleware`` turns "no space left" and "the database is read-only" into a plain
503 that says what happened, instead of the generic error page: nothing was saved, and trying
again later is the right thing to do. See docs/limits.md.
"""

from __future__ import annotations

import errno
import logging
import sqlite3
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

MB = 1024 * 1024
logger = logging.getLogger("kneeclinic.resources")

FULL = "full"
READ_ONLY = "read-only"
MESSAGES = {
    FULL: (
        "The server's storage is full, so nothing from this request was saved. Your data is "
        "safe. Please try again later, and tell whoever runs this Knee Clinic."
    ),
    READ_ONLY: (
        "Knee Clinic cannot save changes just now (its storage is read-only), so nothing from "
        "this request was saved. Your data is safe. Please tell whoever runs this Knee Clinic."
    ),
}
_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
_READ_ONLY_ERRNOS = frozenset({errno.EROFS})
_FULL_TEXT = ("database or disk is full", "no space left on device", "could not extend file")
_READ_ONLY_TEXT = (
    "attempt to write a readonly database",
    "read-only file system",
    "read-only transaction",
)


def storage_failure(exc: BaseException) -> str | None:
    """``FULL`` or ``READ_ONLY`` when ``exc`` (or what caused it) is one of those, else None."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and not isinstance(current, ConnectionError):
            if current.errno in _FULL_ERRNOS:
                return FULL
            if current.errno in _READ_ONLY_ERRNOS:
                return READ_ONLY
        if isinstance(current, DatabaseError | sqlite3.DatabaseError):
            text = str(current).lower()
            if any(part in text for part in _FULL_TEXT):
                return FULL
            if any(part in text for part in _READ_ONLY_TEXT):
                return READ_ONLY
        current = current.__cause__ or current.__context__
    return None


def declared_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def too_large_message(length: int) -> str:
    limit = settings.UPLOAD_MAX_BYTES
    return (
        f"That upload is {length / MB:,.0f} MB; we accept up to {limit // MB:,} MB at once. "
        "Split it, or upload the export's parts one by one."
    )


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def problem_response(
    request: HttpRequest, status: int, code: str, title: str, message: str
) -> HttpResponse:
    """The same plain refusal for pages (a page with the message) and the API (its error body)."""
    if _is_api(request):
        body = {"error": {"code": code, "message": message, "details": None}}
        return JsonResponse(body, status=status)
    return render(request, "core/problem.html", {"title": title, "message": message}, status=status)


class UploadSizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        length = declared_length(request)
        if length > settings.UPLOAD_MAX_BYTES:
            response = problem_response(
                request, 413, "too_large", "Upload too large", too_large_message(length)
            )
            # The body stays unread: the connection cannot carry another request.
            response["Connection"] = "close"
            return response
        return self.get_response(request)


class StorageFailureMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        kind = storage_failure(exception)
        if kind is None:
            return None
        logger.error(
            "storage %s: %s %s failed: %s", kind, request.method, request.path, type(exception)
        )
        title = "Storage full" if kind == FULL else "Cannot save just now"
        response = problem_response(
            request, 503, f"storage_{kind.replace('-', '_')}", title, MESSAGES[kind]
        )
        response["Retry-After"] = "300"
        return response
