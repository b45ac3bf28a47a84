"""Care-link invitations: a physio invites, the runner agrees, either side ends the link.

A link is only ever created by the runner accepting an invitation. The invitation's secrets are
stored as keyed hashes, expire after ``INVITATION_DAYS`` and are used once. Wrong codes typed by
one person are counted, and after ``CODE_ATTEMPT_LIMIT`` in ``CODE_ATTEMPT_WINDOW`` further tries
are refused for a while, so a short code cannot be guessed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone

from kneeclinic.accounts.models import CareInvitation, CareLink, InvitationAttempt, Role, User

INVITATION_DAYS = 7
SHORT_CODE_LENGTH = 10
# Crockford's base 32: no I, L, O or U, so codes read aloud or typed are hard to get wrong.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_ATTEMPT_LIMIT = 5
CODE_ATTEMPT_WINDOW = timedelta(minutes=15)


class InvitationError(ValueError):
    """An invitation cannot be used; the message says why, in words a runner understands."""


class LinkError(ValueError):
    """A care link cannot be changed this way."""


@dataclass(frozen=True, slots=True)
class IssuedInvitation:
    """A new invitation with its secrets, which exist in clear only at this moment."""

    invitation: CareInvitation
    link_token: str
    short_code: str

    @property
    def short_code_display(self) -> str:
        half = SHORT_CODE_LENGTH // 2
        return f"{self.short_code[:half]}-{self.short_code[half:]}"


def _digest(secret: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, b"care-invitation:" + secret.encode(), hashlib.sha256).hexdigest()


def digest(secret: str) -> str:
    """The keyed hash an invitation secret is stored as (never the secret itself)."""
    return _digest(secret)


def new_secrets() -> tuple[str, str]:
    """A fresh (link token, short code) pair for an invitation."""
    short_code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(SHORT_CODE_LENGTH))
    return secrets.token_urlsafe(24), short_code


def normalise_short_code(typed: str) -> str:
    """Upper-case, drop spaces and dashes, and read the easily confused letters as digits."""
    cleaned = "".join(ch for ch in typed.upper() if ch.isalnum())
    return cleaned.translate(str.maketrans("OIL", "011"))


def is_clinician_in_clinic(user: User) -> bool:
    return user.is_active and user.role in {Role.PHYSIO, Role.ADMIN} and user.clinic_id is not None


def create_invitation(physio: User, runner_email: str = "") -> IssuedInvitation:
    """Issue an invitation from a physio who belongs to a clinic."""
    if not is_clinician_in_clinic(physio):
        raise InvitationError("Only a physiotherapist who belongs to a clinic can invite runners.")
    link_token, short_code = new_secrets()
    invitation = CareInvitation.objects.create(
        physio=physio,
        runner_email=runner_email.strip().lower(),
        link_token_hash=_digest(link_token),
        short_code_hash=_digest(short_code),
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
    )
    return IssuedInvitation(invitation, link_token, short_code)


def too_many_attempts(user: User) -> bool:
    since = timezone.now() - CODE_ATTEMPT_WINDOW
    return InvitationAttempt.objects.filter(user=user, at__gte=since).count() >= CODE_ATTEMPT_LIMIT


def find_by_short_code(runner: User, typed: str) -> CareInvitation:
    """The usable invitation for a typed code, or an InvitationError saying what is wrong."""
    invitation = match_short_code(runner, typed, CareInvitation.objects.all(), "your physio")
    check_usable(runner, invitation)
    return invitation


def match_short_code[M: models.Model](
    person: User, typed: str, candidates: QuerySet[M], sender: str
) -> M:
    """The invitation among ``candidates`` whose short code ``person`` typed.

    Wrong codes are counted per person and limited (``CODE_ATTEMPT_LIMIT``), for invitations
    either way round; ``sender`` names who to ask for the link instead ("your physio").
    """
    if too_many_attempts(person):
        raise InvitationError(
            "Too many codes that did not match. For your safety, please wait 15 minutes "
            f"and try again, or ask {sender} to send you the invitation link."
        )
    code = normalise_short_code(typed)
    invitation = candidates.filter(short_code_hash=_digest(code)).first()
    if invitation is None:
        InvitationAttempt.objects.create(user=person)
        raise InvitationError(
            "That code does not match an invitation. Check the letters and numbers and try again."
        )
    return invitation


def find_by_link_token(runner: User, token: str) -> CareInvitation:
    invitation = CareInvitation.objects.filter(link_token_hash=_digest(token)).first()
    if invitation is None:
        raise InvitationError(
            "This invitation link is not valid. Check you copied all of it, "
            "or ask your physio for a new one."
        )
    check_usable(runner, invitation)
    return invitation


def check_usable(runner: User, invitation: CareInvitation) -> None:
    """Refuse, with a clear reason, an invitation this runner may not accept now."""
    now = timezone.now()
    if invitation.used_at is not None:
        raise InvitationError(
            "This invitation has already been used. Each invitation works once: "
            "ask your physio for a new one if you need it."
        )
    if invitation.withdrawn_at is not None:
        raise InvitationError("Your physio withdrew this invitation. Ask them for a new one.")
    if invitation.expires_at <= now:
        raise InvitationError(
            "This invitation has expired (invitations last "
            f"{INVITATION_DAYS} days). Ask your physio for a new one."
        )
    if runner.role != Role.RUNNER:
        raise InvitationError(
            "Invitations are for runners. Log in with your runner account to accept it."
        )
    if invitation.runner_email and invitation.runner_email != runner.email.lower():
        raise InvitationError(
            "This invitation was sent to a different email address. "
            "Log in with that account, or ask your physio for a new invitation."
        )
    if not is_clinician_in_clinic(invitation.physio):
        raise InvitationError("The physio who sent this invitation can no longer accept runners.")
    if CareLink.objects.filter(
        runner=runner, physio=invitation.physio, status=CareLink.Status.ACTIVE
    ).exists():
        raise InvitationError(
            f"You already share your record with {invitation.physio.display_name}."
        )


def accept(runner: User, invitation: CareInvitation) -> CareLink:
    """The runner agrees: the invitation is spent and an active care link starts now."""
    with transaction.atomic():
        locked = CareInvitation.objects.select_for_update().get(pk=invitation.pk)
        check_usable(runner, locked)
        now = timezone.now()
        locked.used_at = now
        locked.used_by = runner
        locked.save(update_fields=["used_at", "used_by"])
        CareLink.objects.filter(
            runner=runner, physio=locked.physio, status=CareLink.Status.PENDING
        ).update(status=CareLink.Status.ENDED, ended_at=now)
        return CareLink.objects.create(
            runner=runner,
            physio=locked.physio,
            status=CareLink.Status.ACTIVE,
            agreed_at=now,
        )


def withdraw(physio: User, invitation: CareInvitation) -> None:
    if invitation.physio_id != physio.pk:
        raise InvitationError("This invitation is not yours.")
    if invitation.used_at is None and invitation.withdrawn_at is None:
        invitation.withdrawn_at = timezone.now()
        invitation.save(update_fields=["withdrawn_at"])


def end_link(link: CareLink, by: User) -> CareLink:
    """Either side ends the link; access stops with the next request."""
    if by.pk not in {link.runner_id, link.physio_id}:
        raise LinkError("Only the runner or their physio can end this link.")
    with transaction.atomic():
        locked = CareLink.objects.select_for_update().get(pk=link.pk)
        if locked.status != CareLink.Status.ENDED:
            locked.status = CareLink.Status.ENDED
            locked.ended_at = timezone.now()
            locked.save(update_fields=["status", "ended_at"])
        return locked
