"""A runner invites their physio: agree first, then a link or a code the physio takes up."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from kneeclinic.accounts.invitations import InvitationError
from kneeclinic.accounts.models import CareLink, User
from kneeclinic.clinic import runner_invitations
from kneeclinic.clinic.models import AuditEvent, PhysioInvitation
from tests.clinic.conftest import logged_in
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def olive(db: None) -> User:
    return make_user("olive@example.com", name="Olive")


@pytest.fixture
def dana(db: None) -> User:
    return make_user("dana@example.com", role="physio", clinic="Riverside Physio", name="Dana")


def invite(runner: User, email: str = "") -> tuple[str, str]:
    """The runner makes an invitation through the page; returns (code, link path)."""
    page = logged_in(runner).post(
        reverse("clinic:invite-physio"), {"physio_email": email, "agree": "on"}
    )
    assert page.status_code == 200
    body = page.content.decode()
    code = re.search(r'data-testid="invitation-code">([0-9A-Z-]+)<', body)
    link = re.search(r'data-testid="invitation-link">http://testserver([^<]+)<', body)
    assert code and link, body
    return code.group(1), link.group(1)


def test_the_runner_must_agree_before_an_invitation_exists(olive: User) -> None:
    page = logged_in(olive).get(reverse("clinic:invite-physio")).content.decode()
    assert "Your physio will see" in page
    assert "Your pain diary" in page
    response = logged_in(olive).post(reverse("clinic:invite-physio"), {"physio_email": ""})
    assert "Tick the box to agree" in response.content.decode()
    assert not PhysioInvitation.objects.exists()


def test_a_physio_takes_up_a_code_and_follows_the_runner(olive: User, dana: User) -> None:
    code, _ = invite(olive)
    physio = logged_in(dana)
    confirm = physio.post(reverse("clinic:runner-code"), {"code": code.lower()})
    assert confirm.status_code == 200
    assert "Follow Olive?" in confirm.content.decode()
    assert not CareLink.objects.filter(runner=olive).exists()  # not before they confirm

    response = physio.post(reverse("clinic:accept-runner"), {"code": code})
    assert response["Location"] == reverse("clinic:runner", kwargs={"code": olive.code})
    link = CareLink.objects.get(runner=olive, physio=dana)
    assert link.status == CareLink.Status.ACTIVE
    invitation = PhysioInvitation.objects.get()
    assert link.agreed_at == invitation.created_at
    assert invitation.used_by == dana
    grant = AuditEvent.objects.latest("id")
    assert (grant.actor_id, grant.runner_id, grant.verb) == (dana.pk, olive.pk, "grant")
    assert physio.get(reverse("clinic:runner", kwargs={"code": olive.code})).status_code == 200

    again = physio.post(reverse("clinic:accept-runner"), {"code": code}, follow=True)
    assert "already been used" in again.content.decode()


def test_the_link_works_and_names_the_runner(olive: User, dana: User) -> None:
    _, path = invite(olive)
    page = logged_in(dana).get(path)
    assert page.status_code == 200
    token = path.rstrip("/").rsplit("/", 1)[1]
    logged_in(dana).post(reverse("clinic:accept-runner"), {"token": token})
    assert CareLink.objects.filter(runner=olive, physio=dana, status="active").exists()
    assert logged_in(dana).get(path).status_code == 410


def test_an_invitation_for_an_address_only_works_for_that_account(olive: User, dana: User) -> None:
    code, _ = invite(olive, "Someone.Else@example.com")
    assert mail.outbox[-1].to == ["someone.else@example.com"]
    assert code in mail.outbox[-1].body
    response = logged_in(dana).post(reverse("clinic:runner-code"), {"code": code}, follow=True)
    assert "different email address" in response.content.decode()
    assert not CareLink.objects.filter(runner=olive).exists()


def test_expired_and_withdrawn_invitations_are_refused(olive: User, dana: User) -> None:
    code, _ = invite(olive)
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        response = logged_in(dana).post(
            reverse("clinic:accept-runner"), {"code": code}, follow=True
        )
    assert "has expired" in response.content.decode()

    code, _ = invite(olive)
    newest = PhysioInvitation.objects.first()
    assert newest is not None
    logged_in(olive).post(
        reverse("clinic:withdraw-physio-invitation", kwargs={"code": newest.code})
    )
    response = logged_in(dana).post(reverse("clinic:accept-runner"), {"code": code}, follow=True)
    assert "withdrew this invitation" in response.content.decode()
    assert not CareLink.objects.filter(runner=olive).exists()


def test_only_a_physio_in_a_clinic_can_take_it_up(olive: User) -> None:
    code, _ = invite(olive)
    admin = make_user("erin@example.com", role="admin", clinic="Riverside Physio")
    loner = make_user("lone@example.com", role="physio")
    for person in (admin, loner):
        response = logged_in(person).post(
            reverse("clinic:accept-runner"), {"code": code}, follow=True
        )
        assert "belongs to a clinic" in response.content.decode()
    assert not CareLink.objects.filter(runner=olive).exists()


def test_wrong_codes_are_limited(olive: User, dana: User) -> None:
    code, _ = invite(olive)
    physio = logged_in(dana)
    for _ in range(5):
        physio.post(reverse("clinic:runner-code"), {"code": "AAAAA-AAAAA"})
    response = physio.post(reverse("clinic:runner-code"), {"code": code}, follow=True)
    assert "Too many codes" in response.content.decode()


def test_the_sharing_page_lists_unused_invitations(olive: User) -> None:
    invite(olive, "dana@example.com")
    page = logged_in(olive).get(reverse("clinic:sharing")).content.decode()
    assert "Invitations not yet used" in page
    assert "dana@example.com" in page
    assert len(runner_invitations.pending(olive)) == 1


def test_a_physio_cannot_make_a_runner_invitation(dana: User) -> None:
    assert logged_in(dana).get(reverse("clinic:invite-physio")).status_code == 404
    with pytest.raises(InvitationError):
        runner_invitations.create(dana)
