"""The JSON API at /api/v1/: one NinjaAPI, one Router per app."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import NinjaAPI, Schema
from ninja.security import django_auth

from kneeclinic import __version__
from kneeclinic.core import health

api = NinjaAPI(
    title="Knee Clinic API",
    version="1",
    description="Your data, through the same access rules as the pages.",
    auth=django_auth,
    urls_namespace="api",
)


class HealthOut(Schema):
    database: str
    worker: str
    version: str


@api.get("/health", response=HealthOut, auth=None, tags=["operations"])
def api_health(request: HttpRequest) -> HealthOut:
    return HealthOut(
        database=health.database_status(), worker=health.worker_status(), version=__version__
    )
