"""``Idempotency-Key`` on the API's writes: a retried request changes things once.

A client may send ``Idempotency-Key: <1 to 255 visible characters>`` with any POST, PUT, PATCH
or DELETE. The first successful answer (2xx) is kept for a day under the user and the key; a
repeat of the request with that key gets the same answer again (status and body, with the
header ``Idempotent-Replayed: true``) and changes nothing. So a client that timed out, or lost
the connection before the answer came, can simply send the request again.

* Only successful answers are kept: a request that failed changed nothing and may be retried.
* The same key with a different request (method, path or content) is refused with 422. Uploads
  are compared by their fields and files, not by the raw multipart body; other bodies larger
  than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` are compared by size only.
* The check, the change and the kept answer are one transaction. On SQLite it begins with
  ``BEGIN IMMEDIATE``, so repeats sent at the same moment wait for each other; on PostgreSQL
  the unique key makes the later one roll its change back and answer with the first one's.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from ninja.operation import Operation

from kneeclinic.accounts.models import User
from kneeclinic.core import tokens
from kneeclinic.core.models import IdempotentRequest

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEEP_FOR = timedelta(hours=24)
MAX_KEY_CHARS = 255
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

Run = Callable[..., HttpResponseBase]


class _Replay(Exception):
    """Raised inside the transaction to roll back a change another request already made."""


def idempotent(run: Run) -> Run:
    """Wrap a ninja operation's ``run`` so writes honour the ``Idempotency-Key`` header."""
    operation = getattr(run, "__self__", None)
    if not isinstance(operation, Operation):
        raise TypeError(
            'idempotent() wraps an operation\'s run: api.add_decorator(.., mode="view")'
        )
    run_checks = operation._run_checks  # authentication (with CSRF) and throttling

    @functools.wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        key = request.headers.get(HEADER)
        if key is None or request.method not in WRITE_METHODS:
            return run(request, *args, **kwargs)
        if not 1 <= len(key) <= MAX_KEY_CHARS or not key.isascii() or not key.isprintable():
            return _error(
                422,
                "invalid_idempotency_key",
                f"Send an {HEADER} of 1 to {MAX_KEY_CHARS} visible characters.",
            )
        owner = _owner(request)
        if owner is None:
            return run(request, *args, **kwargs)  # not signed in: the operation answers 401
        fingerprint = _fingerprint(request)
        try:
            with transaction.atomic():
                kept = _kept(owner, key)
                if kept is not None:
                    raise _Replay
                response = run(request, *args, **kwargs)
                if 200 <= response.status_code < 300 and isinstance(response, HttpResponse):
                    _keep(owner, key, fingerprint, response)
                return response
        except (_Replay, IntegrityError):
            kept = _kept(owner, key)
            if kept is None:  # pragma: no cover - an IntegrityError of the operation itself
                raise
        refused = run_checks(request)  # a replay passes the same checks as the request did
        if refused is not None:
            return refused
        if kept.fingerprint != fingerprint:
            return _error(
                422,
                "idempotency_key_reused",
                "This Idempotency-Key was used for a different request. Use a new key.",
            )
        replay = HttpResponse(kept.body, status=kept.status_code, content_type=kept.content_type)
        replay[REPLAYED_HEADER] = "true"
        return replay

    return wrapper


def _owner(request: HttpRequest) -> User | None:
    """Whose key this is: the bearer token's user, else the signed-in user (as the API checks)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        found = tokens.user_for(token.strip())
        if found is not None:
            return found[0]
    user = getattr(request, "user", None)
    return user if isinstance(user, User) and user.is_authenticated else None


def _fingerprint(request: HttpRequest) -> str:
    """What makes two requests the same: method, path and content (an upload's files, not the
    multipart boundary, which a client picks afresh for every attempt)."""
    digest = hashlib.sha256(f"{request.method} {request.get_full_path()}\n".encode())
    if request.content_type == "multipart/form-data":
        # Read the upload here, before the write lock is taken, rather than within it.
        for name, values in sorted(request.POST.lists()):
            digest.update(json.dumps([name, values]).encode())
        for name, files in sorted(request.FILES.lists()):
            for upload in files:
                digest.update(json.dumps([name, upload.name, upload.size]).encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
        return digest.hexdigest()
    size = int(request.META.get("CONTENT_LENGTH") or 0)
    if size <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        digest.update(request.body)
    else:
        digest.update(f"{size} bytes".encode())
    return digest.hexdigest()


def _kept(owner: User, key: str) -> IdempotentRequest | None:
    since = timezone.now() - KEEP_FOR
    return IdempotentRequest.objects.filter(user=owner, key=key, created_at__gte=since).first()


def _keep(owner: User, key: str, fingerprint: str, response: HttpResponse) -> None:
    # Answers older than a day are forgotten: the key may be used afresh.
    IdempotentRequest.objects.filter(user=owner, created_at__lt=timezone.now() - KEEP_FOR).delete()
    IdempotentRequest.objects.create(
        user=owner,
        key=key,
        fingerprint=fingerprint,
        status_code=response.status_code,
        content_type=response.get("Content-Type", "application/json"),
        body=response.content,
    )


def _error(status: int, code: str, message: str) -> HttpResponse:
    body = {"error": {"code": code, "message": message, "details": None}}
    return HttpResponse(json.dumps(body), status=status, content_type="application/json")
