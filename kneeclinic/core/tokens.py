"""Personal access tokens: created, named, scoped, revocable, shown once, stored hashed."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.utils import timezone

from kneeclinic.accounts.models import User
from kneeclinic.core.models import ApiToken

TOKEN_PREFIX = "kc_"  # noqa: S105 (a public marker, not a secret)
LAST_USED_GRANULARITY = timedelta(minutes=5)


def _digest(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def create_token(
    user: User, name: str, scope: str = ApiToken.Scope.READ, days: int | None = 90
) -> tuple[ApiToken, str]:
    """Make a token; the plain text is returned once and never stored."""
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[:100] or "Unnamed token",
        prefix=plaintext[:10],
        digest=_digest(plaintext),
        scope=ApiToken.Scope(scope),
        expires_at=timezone.now() + timedelta(days=days) if days else None,
    )
    return token, plaintext


def user_for(plaintext: str) -> tuple[User, ApiToken] | None:
    """The active token's owner, or None for an unknown, revoked or expired token."""
    if not plaintext.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(digest=_digest(plaintext)).first()
    if token is None or not token.is_active or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_GRANULARITY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user, token


def revoke(user: User, code: str) -> bool:
    return bool(
        ApiToken.objects.filter(user=user, code=code, revoked_at=None).update(
            revoked_at=timezone.now()
        )
    )
