"""The JSON API at /api/v1/: one NinjaAPI, one Router per area, the same access rules as the pages.

Browsers use their session (with CSRF); scripts use a personal access token as a Bearer token.
A read-only token may only read. Errors share one body: {"error": {code, message, details}}.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from importlib import import_module
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.errors import Throttled as NinjaThrottled
from ninja.security import HttpBearer, SessionAuth
from ninja.throttling import AnonRateThrottle, AuthRateThrottle

from kneeclinic import __version__
from kneeclinic.accounts import mfa
from kneeclinic.accounts.models import User
from kneeclinic.api.common import ErrorOut
from kneeclinic.api.idempotency import idempotent
from kneeclinic.core import health, tokens
from kneeclinic.core.models import ApiToken

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# (URL prefix, module exposing `router`), one per area
AREA_ROUTERS = (
    ("/me", "kneeclinic.api.me"),
    ("/runs", "kneeclinic.api.runs"),
    ("/load", "kneeclinic.api.load"),
    ("/diary", "kneeclinic.api.diary"),
    ("/exercises", "kneeclinic.api.exercises"),
    ("/plans", "kneeclinic.api.plans"),
    ("/clinic", "kneeclinic.api.clinic"),
    ("/fhir", "kneeclinic.api.fhir"),
)


class ReadOnlyToken(Exception):
    """A read-only token tried to change something."""


class TokenAuth(HttpBearer):
    openapi_description = "A personal access token (Settings > API tokens), as `Bearer kc_...`."

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = tokens.user_for(token)
        if found is None:
            return None
        user, api_token = found
        if api_token.scope == ApiToken.Scope.READ and request.method not in SAFE_METHODS:
            raise ReadOnlyToken
        request.user = user
        return user


class SecondFactorSessionAuth(SessionAuth):
    """The browser's session, as for the pages: a clinician's session counts only once it has
    passed the second factor (security plan T10), whatever made the session."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if isinstance(user, User) and mfa.required_for(user) and not mfa.session_verified(request):
            return None
        return user


def _for_signed_in_users(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The API's docs and OpenAPI document are for people with an account (a session or a
    token); anonymous visitors get a 404, as for any page that is not theirs to see."""

    @wraps(view)
    def signed_in_only(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated and TokenAuth()(request) is None:
            raise Http404
        return view(request, *args, **kwargs)

    return signed_in_only


api = NinjaAPI(
    title="Knee Clinic API",
    version="1",
    description=(
        "Your data, through the same access rules as the pages. Authenticate with a personal "
        "access token (`Authorization: Bearer kc_...`) or, in the browser, your session. "
        "Writes accept an `Idempotency-Key` header: a repeat within 24 hours with the same key "
        "changes nothing and gets the first answer again."
    ),
    auth=[TokenAuth(), SecondFactorSessionAuth(csrf=True)],
    urls_namespace="api",
    docs_decorator=_for_signed_in_users,
    throttle=[AnonRateThrottle("30/m"), AuthRateThrottle("600/m")],
)


def _error(
    request: HttpRequest, status: int, code: str, message: str, details: Any = None
) -> HttpResponse:
    body = {"error": {"code": code, "message": message, "details": details}}
    return api.create_response(request, body, status=status)


@api.exception_handler(ReadOnlyToken)
def read_only_token(request: HttpRequest, exc: ReadOnlyToken) -> HttpResponse:
    return _error(
        request, 403, "read_only_token", "This token may only read. Use a read-and-write token."
    )


@api.exception_handler(AuthenticationError)
def not_authenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(
        request, 401, "not_authenticated", "Log in, or send a valid personal access token."
    )


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", "Nothing here, or not yours to see.")


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return _error(request, 422, "invalid", "Some values are not valid.", exc.errors)


@api.exception_handler(NinjaThrottled)
def throttled(request: HttpRequest, exc: NinjaThrottled) -> HttpResponse:
    return _error(request, 429, "throttled", "Too many requests. Wait a minute and try again.")


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, "error", str(exc))


class HealthOut(Schema):
    database: str
    worker: str
    version: str


@api.get("/health", response={200: HealthOut, 429: ErrorOut}, auth=None, tags=["operations"])
def api_health(request: HttpRequest) -> HealthOut:
    return HealthOut(
        database=health.database_status(), worker=health.worker_status(), version=__version__
    )


def _mount_area_routers() -> None:
    api.add_decorator(idempotent, mode="view")  # around run(): writes honour Idempotency-Key
    for prefix, module_name in AREA_ROUTERS:
        api.add_router(prefix, import_module(module_name).router)


_mount_area_routers()
