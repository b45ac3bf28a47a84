"""Password rules beyond Django's own: no passwords built on the site's name (ASVS 6.2.11)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError

from kneeclinic.accounts.models import User

CONTEXT_WORDS = ("kneeclinic",)


def _letters(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


class ContextWordValidator:
    """Refuse a password that contains the name of this service (with or without spaces)."""

    def words(self) -> set[str]:
        words = {_letters(word) for word in CONTEXT_WORDS}
        site = _letters(getattr(settings, "SITE_NAME", ""))
        if len(site) >= 4:
            words.add(site)
        return words

    def validate(self, password: str, user: User | None = None) -> None:
        typed = _letters(password)
        if any(word in typed for word in self.words()):
            raise ValidationError(
                "Your password cannot contain the name of this service.",
                code="password_context_word",
            )

    def get_help_text(self) -> str:
        return "Your password cannot contain the name of this service."
