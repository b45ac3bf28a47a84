"""Care links with consent: invite, see what is shared, agree, and stop at any time."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from kneeclinic.accounts import invitations
from kneeclinic.accounts.models import CareInvitation, CareLink, User
from kneeclinic.clinic.models import AuditEvent
from tests.clinic.conftest import logged_in
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def runner(db: None) -> User:
    return make_user("rita@example.com", name="Rita")


@pytest.fixture
def physio(db: None) -> User:
    return make_user("paul@example.com", role="physio", clinic="Riverside Physio", name="Paul")


def invite(physio: User, email: str = "") -> tuple[str, str]:
    """Create an invitation through the page; return (short code, link path)."""
    response = logged_in(physio).post(reverse("clinic:invite"), {"runner_email": email})
    assert response.status_code == 200
    html = response.content.decode()
    code = re.search(r'data-testid="invitation-code">([0-9A-Z-]+)<', html)
    link = re.search(r'data-testid="invitation-link">http://testserver([^<]+)<', html)
    assert code and link
    return code.group(1), link.group(1)


def test_a_physio_invites_and_the_runner_agrees_after_seeing_what_is_shared(
    runner: User, physio: User
) -> None:
    code, _ = invite(physio)
    client = logged_in(runner)
    consent = client.post(reverse("clinic:sharing"), {"code": code})
    assert consent.status_code == 200
    assert b"Share your record with Paul?" in consent.content
    assert b"never your original watch files" in consent.content
    assert not CareLink.objects.filter(runner=runner).exists()  # nothing until they agree

    agreed = client.post(reverse("clinic:agree"), {"code": code}, follow=True)
    assert b"You now share your record with Paul" in agreed.content
    link = CareLink.objects.get(runner=runner, physio=physio)
    assert link.status == CareLink.Status.ACTIVE and link.agreed_at is not None
    assert logged_in(physio).get(reverse("clinic:runner", args=[runner.code])).status_code == 200
    grant = AuditEvent.objects.get(verb="grant")
    assert (grant.actor_id, grant.runner_id, grant.object_code) == (
        runner.pk,
        runner.pk,
        str(link.code),
    )


def test_the_invitation_link_shows_the_consent_page_and_works_once(
    runner: User, physio: User
) -> None:
    _, path = invite(physio)
    client = logged_in(runner)
    page = client.get(path)
    assert page.status_code == 200 and b"They will see" in page.content
    token = path.rstrip("/").rsplit("/", 1)[1]
    client.post(reverse("clinic:agree"), {"token": token})
    assert CareLink.objects.filter(runner=runner, status="active").count() == 1

    again = client.get(path)
    assert again.status_code == 410
    assert b"already been used" in again.content
    other = make_user("otto@example.com")
    reused = logged_in(other).post(reverse("clinic:agree"), {"token": token}, follow=True)
    assert b"already been used" in reused.content
    assert not CareLink.objects.filter(runner=other).exists()


def test_an_expired_invitation_is_refused_with_a_clear_reason(runner: User, physio: User) -> None:
    code, path = invite(physio)
    with time_machine.travel(timezone.now() + timedelta(days=invitations.INVITATION_DAYS, hours=1)):
        client = logged_in(runner)
        page = client.get(path)
        assert page.status_code == 410
        assert b"This invitation has expired" in page.content
        typed = client.post(reverse("clinic:sharing"), {"code": code})
        assert b"This invitation has expired" in typed.content
    assert not CareLink.objects.filter(runner=runner).exists()


def test_a_withdrawn_invitation_is_refused(runner: User, physio: User) -> None:
    code, _ = invite(physio)
    invitation = CareInvitation.objects.get()
    logged_in(physio).post(reverse("clinic:withdraw-invitation", args=[invitation.code]))
    response = logged_in(runner).post(reverse("clinic:sharing"), {"code": code})
    assert b"withdrew this invitation" in response.content


def test_an_invitation_for_one_email_cannot_be_accepted_by_another_account(
    runner: User, physio: User
) -> None:
    code, _ = invite(physio, email="someone.else@example.com")
    response = logged_in(runner).post(reverse("clinic:sharing"), {"code": code})
    assert b"sent to a different email address" in response.content


def test_codes_are_forgiving_about_case_dashes_and_confusable_letters(
    runner: User, physio: User
) -> None:
    issued = invitations.create_invitation(physio)
    messy = "  " + issued.short_code_display.lower().replace("0", "o").replace("1", "l") + " "
    assert invitations.find_by_short_code(runner, messy).pk == issued.invitation.pk


def test_guessing_codes_is_slowed_down_after_five_wrong_ones(runner: User, physio: User) -> None:
    issued = invitations.create_invitation(physio)
    client = logged_in(runner)
    for _ in range(invitations.CODE_ATTEMPT_LIMIT):
        wrong = client.post(reverse("clinic:sharing"), {"code": "ZZZZZ-ZZZZZ"})
        assert b"does not match an invitation" in wrong.content
    blocked = client.post(reverse("clinic:sharing"), {"code": issued.short_code})
    assert b"Too many codes" in blocked.content


def test_a_runner_cannot_invite_and_a_physio_cannot_accept(runner: User, physio: User) -> None:
    assert logged_in(runner).get(reverse("clinic:invite")).status_code == 404
    issued = invitations.create_invitation(physio)
    other_physio = make_user("pia@example.com", role="physio", clinic="Riverside Physio")
    with pytest.raises(invitations.InvitationError, match="Invitations are for runners"):
        invitations.find_by_short_code(other_physio, issued.short_code)


def test_the_runner_stops_sharing_and_the_physio_is_refused_on_the_next_request(
    alice: User, bob: User
) -> None:
    bob_client = logged_in(bob)
    timeline = reverse("clinic:runner", args=[alice.code])
    assert bob_client.get(timeline).status_code == 200
    link = CareLink.objects.get(runner=alice, physio=bob)
    logged_in(alice).post(reverse("clinic:end-link", args=[link.code]))
    assert bob_client.get(timeline).status_code == 404
    assert bob_client.get(reverse("clinic:report", args=[alice.code])).status_code == 404
    caseload = bob_client.get(reverse("clinic:caseload"))
    assert b"Alice" not in caseload.content
    link.refresh_from_db()
    assert link.status == "ended" and link.ended_at is not None
    assert AuditEvent.objects.filter(verb="revoke", actor=alice, runner=alice).count() == 1
    assert AuditEvent.objects.filter(actor=bob, outcome="denied").count() == 2


def test_the_physio_can_end_the_link_too(alice: User, bob: User) -> None:
    link = CareLink.objects.get(runner=alice, physio=bob)
    response = logged_in(bob).post(reverse("clinic:end-link", args=[link.code]))
    assert response.status_code == 302
    assert logged_in(bob).get(reverse("clinic:runner", args=[alice.code])).status_code == 404


def test_nobody_else_can_end_a_link(alice: User, bob: User, charlie: User) -> None:
    link = CareLink.objects.get(runner=alice, physio=bob)
    assert logged_in(charlie).post(reverse("clinic:end-link", args=[link.code])).status_code == 404
    link.refresh_from_db()
    assert link.status == "active"


def test_a_physio_removed_from_their_clinic_loses_access_at_once(alice: User, bob: User) -> None:
    client = logged_in(bob)
    timeline = reverse("clinic:runner", args=[alice.code])
    assert client.get(timeline).status_code == 200
    User.objects.filter(pk=bob.pk).update(clinic=None)
    assert client.get(timeline).status_code == 404


def test_a_deactivated_physio_loses_access(alice: User, bob: User) -> None:
    client = logged_in(bob)
    User.objects.filter(pk=bob.pk).update(is_active=False)
    response = client.get(reverse("clinic:runner", args=[alice.code]))
    assert response.status_code in {302, 404}


def test_the_sharing_page_lists_who_can_see_the_record(alice: User, bob: User) -> None:
    page = logged_in(alice).get(reverse("clinic:sharing"))
    assert page.status_code == 200
    assert b"Stop sharing with Bob" in page.content
    assert b"Riverside Physio" in page.content


def test_a_runner_visiting_the_caseload_is_sent_to_their_sharing_page(alice: User) -> None:
    response = logged_in(alice).get(reverse("clinic:caseload"))
    assert response.status_code == 302
    assert response["Location"] == reverse("clinic:sharing")


def test_a_clinic_admin_removes_a_physio_and_their_access_ends_at_once(
    alice: User, bob: User, erin: User
) -> None:
    bob_client = logged_in(bob)
    timeline = reverse("clinic:runner", args=[alice.code])
    assert bob_client.get(timeline).status_code == 200
    staff = logged_in(erin).get(reverse("clinic:staff"))
    assert b"Remove Bob from the clinic" in staff.content
    assert b"alice@example.com" not in staff.content  # the admin sees staff, not runners
    logged_in(erin).post(reverse("clinic:remove-staff", args=[bob.code]))
    assert bob_client.get(timeline).status_code == 404
    assert CareLink.objects.get(runner=alice, physio=bob).status == "ended"
    assert AuditEvent.objects.filter(actor=erin, verb="remove-from-clinic").count() == 1
    assert AuditEvent.objects.filter(actor=erin, verb="revoke", runner=alice).count() == 1


def test_an_admin_cannot_remove_someone_from_another_clinic(charlie: User, erin: User) -> None:
    response = logged_in(erin).post(reverse("clinic:remove-staff", args=[charlie.code]))
    assert response.status_code == 404
    charlie.refresh_from_db()
    assert charlie.clinic is not None


def test_an_invitation_for_an_email_address_is_sent_there(
    runner: User, physio: User, mailoutbox: list[object]
) -> None:
    code, path = invite(physio, email="rita@example.com")
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["rita@example.com"]  # type: ignore[attr-defined]
    assert code in message.body and path in message.body  # type: ignore[attr-defined]


def test_after_the_runner_stops_sharing_her_run_pages_are_refused_too(
    alice: User, bob: User
) -> None:
    from kneeclinic.activities.models import Activity

    run = Activity.objects.create(
        runner=alice, start=timezone.now(), elapsed_s=1800, distance_m=5000
    )
    client = logged_in(bob)
    run_page = reverse("activities:show-run", args=[run.code])
    assert client.get(run_page).status_code == 200
    link = CareLink.objects.get(runner=alice, physio=bob)
    logged_in(alice).post(reverse("clinic:end-link", args=[link.code]))
    assert client.get(run_page).status_code == 404
