"""A runner invites their physio: the other way round from a clinic's invitation.

The runner sees what a physio sees and agrees when they make the invitation; the physio who
opens the link or types the code (signed in, with their second factor) starts following the
runner at once. The secrets are stored as keyed hashes, expire after
``invitations.INVITATION_DAYS`` and work once; wrong codes count towards the same limit as a
runner's wrong codes, so a short code cannot be guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from kneeclinic.accounts import invitations
from kneeclinic.accounts.invitations import InvitationError
from kneeclinic.accounts.models import CareLink, Role, User
from kneeclinic.clinic.models import PhysioInvitation


@dataclass(frozen=True, slots=True)
class IssuedPhysioInvitation:
    invitation: PhysioInvitation
    link_token: str
    short_code: str

    @property
    def short_code_display(self) -> str:
        half = invitations.SHORT_CODE_LENGTH // 2
        return f"{self.short_code[:half]}-{self.short_code[half:]}"


def create(runner: User, physio_email: str = "") -> IssuedPhysioInvitation:
    if runner.role != Role.RUNNER or not runner.is_active:
        raise InvitationError("Only a runner can invite a physio to follow their record.")
    link_token, short_code = invitations.new_secrets()
    invitation = PhysioInvitation.objects.create(
        runner=runner,
        physio_email=physio_email.strip().lower(),
        link_token_hash=invitations.digest(link_token),
        short_code_hash=invitations.digest(short_code),
        expires_at=timezone.now() + timedelta(days=invitations.INVITATION_DAYS),
    )
    return IssuedPhysioInvitation(invitation, link_token, short_code)


def pending(runner: User) -> list[PhysioInvitation]:
    return list(
        PhysioInvitation.objects.filter(
            runner=runner,
            used_at__isnull=True,
            withdrawn_at__isnull=True,
            expires_at__gt=timezone.now(),
        )[:10]
    )


def withdraw(runner: User, invitation: PhysioInvitation) -> None:
    if invitation.runner_id != runner.pk:
        raise InvitationError("This invitation is not yours.")
    if invitation.used_at is None and invitation.withdrawn_at is None:
        invitation.withdrawn_at = timezone.now()
        invitation.save(update_fields=["withdrawn_at"])


def check_usable(physio: User, invitation: PhysioInvitation) -> None:
    """Refuse, with a clear reason, an invitation this physio may not take up now."""
    if invitation.used_at is not None:
        raise InvitationError(
            "This invitation has already been used. Each invitation works once: "
            "ask the runner for a new one."
        )
    if invitation.withdrawn_at is not None:
        raise InvitationError("The runner withdrew this invitation.")
    if invitation.expires_at <= timezone.now():
        raise InvitationError(
            f"This invitation has expired (invitations last {invitations.INVITATION_DAYS} "
            "days). Ask the runner for a new one."
        )
    if not invitations.is_clinician_in_clinic(physio) or physio.role != Role.PHYSIO:
        raise InvitationError(
            "Only a physiotherapist who belongs to a clinic can follow a runner. "
            "Log in with your physio account."
        )
    if invitation.physio_email and invitation.physio_email != physio.email.lower():
        raise InvitationError(
            "The runner made this invitation for a different email address. "
            "Log in with that account, or ask the runner for a new invitation."
        )
    if not invitation.runner.is_active:
        raise InvitationError("This runner's account is closed.")
    if CareLink.objects.filter(
        runner=invitation.runner, physio=physio, status=CareLink.Status.ACTIVE
    ).exists():
        raise InvitationError(f"You already follow {invitation.runner.display_name}.")


def find_by_short_code(physio: User, typed: str) -> PhysioInvitation:
    invitation = invitations.match_short_code(
        physio, typed, PhysioInvitation.objects.select_related("runner"), "the runner"
    )
    check_usable(physio, invitation)
    return invitation


def find_by_link_token(physio: User, token: str) -> PhysioInvitation:
    invitation = (
        PhysioInvitation.objects.filter(link_token_hash=invitations.digest(token))
        .select_related("runner")
        .first()
    )
    if invitation is None:
        raise InvitationError(
            "This invitation link is not valid. Check you copied all of it, "
            "or ask the runner for a new one."
        )
    check_usable(physio, invitation)
    return invitation


def accept(physio: User, invitation: PhysioInvitation) -> CareLink:
    """The physio takes up the invitation: it is spent and the care link starts now."""
    with transaction.atomic():
        locked = (
            PhysioInvitation.objects.select_for_update()
            .select_related("runner")
            .get(pk=invitation.pk)
        )
        check_usable(physio, locked)
        now = timezone.now()
        locked.used_at = now
        locked.used_by = physio
        locked.save(update_fields=["used_at", "used_by"])
        CareLink.objects.filter(
            runner=locked.runner, physio=physio, status=CareLink.Status.PENDING
        ).update(status=CareLink.Status.ENDED, ended_at=now)
        return CareLink.objects.create(
            runner=locked.runner,
            physio=physio,
            status=CareLink.Status.ACTIVE,
            agreed_at=locked.created_at,
        )
