"""schemathesis against the served OpenAPI document: no server errors, responses match the schema.

A short run in the suite (a few examples per operation); `make soak` runs it long.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from ninja.responses import NinjaJSONEncoder

from kneeclinic.accounts.models import User
from kneeclinic.api import api
from kneeclinic.core import tokens

EXAMPLES = int(os.environ.get("KNEECLINIC_SCHEMATHESIS_EXAMPLES", "8"))

# The OpenAPI document is served to signed-in users only, so it is taken from the API itself
# (through JSON, exactly as it is served).
schema = schemathesis.openapi.from_dict(
    json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/v1/"), cls=NinjaJSONEncoder))
)
schema.app = get_wsgi_application()


@pytest.fixture(autouse=True)
def keep_the_test_connection() -> Iterator[None]:
    """The real WSGI handler closes old connections after each request, which would close the
    test's own transaction on PostgreSQL; Django's test client unhooks it the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def write_token(db: None) -> str:
    from django.utils import timezone

    from kneeclinic.activities.models import Activity

    runner = User.objects.create_user("fuzz@example.com", "correct horse battery staple")
    Activity.objects.create(runner=runner, name="Seed", start=timezone.now(), elapsed_s=60)
    return tokens.create_token(runner, "schemathesis", scope="write")[1]


@schema.exclude(path_regex=r"/imports$").parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@pytest.mark.django_db
def test_every_operation_answers_within_its_schema(case: Any, write_token: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {write_token}"})
