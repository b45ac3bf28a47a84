"""schemathesis (security plan T05) against the served OpenAPI document: no server errors,
responses match the schema.

A short run in the suite (a few examples per operation); `make soak` runs it long.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from ninja.responses import NinjaJSONEncoder

from kneeclinic.accounts.models import User
from kneeclinic.api import api
from kneeclinic.core import tokens
from tests.reliability import record, scale

PLAN_EXAMPLES = 100  # the plan's figure for each operation (T05)
EXAMPLES = int(os.environ.get("KNEECLINIC_SCHEMATHESIS_EXAMPLES", scale("8", str(PLAN_EXAMPLES))))
# Examples run and failures found, by operation, for the plan's figures.
RUN: Counter[str] = Counter()
FAILED: set[str] = set()

# The OpenAPI document is served to signed-in users only, so it is taken from the API itself
# (through JSON, exactly as it is served).
DOCUMENT = json.loads(
    json.dumps(api.get_openapi_schema(path_prefix="/api/v1/"), cls=NinjaJSONEncoder)
)
schema = schemathesis.openapi.from_dict(DOCUMENT)
schema.app = get_wsgi_application()
# Operations that take nothing (no parameters, no body): a handful of examples is all there is,
# so the plan's count of examples an operation applies to the others.
WITHOUT_INPUTS = {
    f"{method.upper()} {path}"
    for path, operations in DOCUMENT["paths"].items()
    for method, operation in operations.items()
    if not operation.get("parameters") and "requestBody" not in operation
}
# Times are when something happened, and the API refuses a time in the future with a 422 that
# says so (the schema's descriptions say it too); generated times are therefore in the past,
# so that a refusal of a well-formed request still counts as a failure.
schemathesis.openapi.format(
    "date-time",
    st.datetimes(
        # hypothesis takes naive bounds and adds the zone itself
        min_value=datetime(1990, 1, 1),  # noqa: DTZ001
        max_value=datetime(2025, 12, 31),  # noqa: DTZ001
        timezones=st.just(UTC),
    ).map(lambda moment: moment.isoformat()),
)


@pytest.fixture(autouse=True)
def keep_the_test_connection() -> Iterator[None]:
    """The real WSGI handler closes old connections after each request, which would close the
    test's own transaction on PostgreSQL; Django's test client unhooks it the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module", autouse=True)
def t05_figures() -> Iterator[None]:
    """Record, once every operation has run, the examples each had and the failures found."""
    yield
    if not RUN:
        return
    with_inputs = {label: count for label, count in RUN.items() if label not in WITHOUT_INPUTS}
    least_tried, fewest = min((with_inputs or RUN).items(), key=lambda item: item[1])
    needed = min(EXAMPLES, PLAN_EXAMPLES)
    target = f">= {needed}" if needed == PLAN_EXAMPLES else f">= {needed} (short run)"
    record("T05", "operations tested", len(RUN), "", True)
    record(
        "T05",
        "of them without inputs (not held to the count)",
        len(RUN) - len(with_inputs),
        "",
        True,
    )
    record("T05", "operations with a failure", len(FAILED), "0", not FAILED)
    figure = f"examples an operation (fewest: {least_tried})"
    record("T05", figure, fewest, target, fewest >= needed)
    record("T05", "examples in all", sum(RUN.values()), "", True)


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
    operation = case.operation.label  # the operation, whatever method or path a case tries
    RUN[operation] += 1
    try:
        case.call_and_validate(headers={"Authorization": f"Bearer {write_token}"})
    except BaseException:  # schemathesis's FailureGroup is a BaseExceptionGroup
        FAILED.add(operation)
        raise
