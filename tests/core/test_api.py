"""The API's front door: tokens, scopes, session auth with CSRF, errors, the OpenAPI document."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kneeclinic.accounts.models import User
from kneeclinic.core import tokens
from kneeclinic.core.models import ApiToken

pytestmark = pytest.mark.django_db


def bearer(plaintext: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {plaintext}"}


def test_a_token_is_shown_once_and_stored_only_as_a_digest(alice: User) -> None:
    token, plaintext = tokens.create_token(alice, "sync script")
    assert plaintext.startswith("kc_") and len(plaintext) > 40
    stored = ApiToken.objects.get(pk=token.pk)
    assert plaintext not in {stored.digest, stored.prefix, stored.name}
    assert stored.prefix == plaintext[:10]


def test_a_valid_token_reads_the_owners_account(client: Client, alice: User) -> None:
    _, plaintext = tokens.create_token(alice, "script")
    response = client.get("/api/v1/me", **bearer(plaintext))  # type: ignore[arg-type]
    assert response.status_code == 200
    assert response.json()["email"] == "alice@example.com"
    assert ApiToken.objects.get().last_used_at is not None


@pytest.mark.parametrize("state", ["revoked", "expired", "unknown", "not ours"])
def test_revoked_expired_or_unknown_tokens_get_401_with_the_common_error_body(
    client: Client, alice: User, state: str
) -> None:
    token, plaintext = tokens.create_token(alice, "script")
    if state == "revoked":
        tokens.revoke(alice, str(token.code))
    elif state == "expired":
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(days=1))
    elif state == "unknown":
        plaintext = "kc_" + "x" * 43
    else:
        plaintext = "Token abc"
    response = client.get("/api/v1/me", **bearer(plaintext))  # type: ignore[arg-type]
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_a_read_only_token_cannot_write(client: Client, alice: User) -> None:
    _, plaintext = tokens.create_token(alice, "reader", scope="read")
    response = client.patch(
        "/api/v1/me",
        {"units": "mi"},
        content_type="application/json",
        **bearer(plaintext),  # type: ignore[arg-type]
    )
    assert response.status_code == 403
    alice.refresh_from_db()
    assert alice.units == "km"
    assert response.json()["error"]["code"] == "read_only_token"


def test_one_user_cannot_revoke_anothers_token(alice: User, charlie: User) -> None:
    token, _ = tokens.create_token(alice, "mine")
    assert tokens.revoke(charlie, str(token.code)) is False
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_the_browser_session_works_for_reads(alice_client: Client) -> None:
    assert alice_client.get("/api/v1/me").json()["name"] == "Alice"


def test_anonymous_requests_are_refused(client: Client) -> None:
    assert client.get("/api/v1/me").status_code == 401


def test_the_openapi_document_is_served_and_names_the_bearer_scheme(alice_client: Client) -> None:
    document = alice_client.get("/api/v1/openapi.json").json()
    assert document["info"]["title"] == "Knee Clinic API"
    assert "TokenAuth" in document["components"]["securitySchemes"]
    assert "/api/v1/me" in document["paths"]


def test_the_docs_page_uses_local_assets_only(alice_client: Client) -> None:
    page = alice_client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn" not in page


def test_the_tokens_page_makes_shows_once_and_revokes(alice_client: Client, alice: User) -> None:
    response = alice_client.post(
        reverse("core:list-tokens"), {"name": "watch sync", "scope": "write", "days": "30"}
    )
    page = response.content.decode()
    token = ApiToken.objects.get()
    assert "Copy it now" in page
    assert token.scope == "write"
    assert token.expires_at is not None
    assert "Copy it now" not in alice_client.get(reverse("core:list-tokens")).content.decode()
    alice_client.post(reverse("core:revoke-token", args=[token.code]))
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_a_write_token_changes_preferences_and_bad_values_get_422(
    client: Client, alice: User
) -> None:
    _, plaintext = tokens.create_token(alice, "writer", scope="write")
    response = client.patch(
        "/api/v1/me",
        {"units": "mi"},
        content_type="application/json",
        **bearer(plaintext),  # type: ignore[arg-type]
    )
    assert response.json()["units"] == "mi"
    bad = client.patch(
        "/api/v1/me",
        {"time_zone": "Mars/Base"},
        content_type="application/json",
        **bearer(plaintext),  # type: ignore[arg-type]
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "invalid"
    alice.refresh_from_db()
    assert alice.time_zone == "Europe/London"


def test_a_browser_write_without_csrf_is_refused(alice: User) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    response = browser.patch("/api/v1/me", {"units": "mi"}, content_type="application/json")
    assert response.status_code in {401, 403}
    alice.refresh_from_db()
    assert alice.units == "km"
