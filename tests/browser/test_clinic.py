"""Bob invites Alice, Alice agrees after seeing what is shared, Bob sees her timeline and prescribes
an exercise she then sees on Today; Alice stops sharing and Bob's next request is refused. And the
other way round: a runner invites her physio."""

from __future__ import annotations

from typing import Any

import pyotp

from tests.browser.conftest import Server, check_accessibility, log_in


def log_in_with_new_authenticator(page: Any, server: Server, email: str) -> None:
    log_in(page, server, email)
    assert "/accounts/two-factor/" in page.url
    check_accessibility(page)
    secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    page.get_by_label("The 6-digit code your app shows").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Confirm and log in").click()
    page.get_by_role("heading", name="Your recovery codes").wait_for()
    page.get_by_role("link", name="I have saved them: continue").click()


def test_bob_invites_alice_she_agrees_he_sees_her_timeline_until_she_stops_sharing(
    page: Any, phone: Any, server: Server
) -> None:
    bob = server.create_user("bob.clinic@example.com", role="physio", clinic="Browser Physio")
    alice = server.create_user("alice.clinic@example.com")

    log_in_with_new_authenticator(page, server, bob)
    page.goto(server.url + "/clinic/")
    check_accessibility(page)
    page.get_by_role("link", name="Invite a runner").click()
    page.get_by_role("button", name="Create the invitation").click()
    code = page.get_by_test_id("invitation-code").inner_text()
    check_accessibility(page)

    log_in(phone, server, alice)
    phone.goto(server.url + "/clinic/sharing/")
    check_accessibility(phone)
    phone.get_by_label("Invitation code from your physio").fill(code.lower())
    phone.get_by_role("button", name="Check the code").click()
    phone.get_by_role("heading", name="Share your record with bob.clinic?").wait_for()
    assert phone.get_by_text("never your original watch files").is_visible()
    check_accessibility(phone)
    phone.get_by_role("button", name="I agree: share my record with bob.clinic").click()
    phone.get_by_text("You now share your record with bob.clinic").wait_for()

    page.goto(server.url + "/clinic/")
    page.get_by_role("link", name="alice.clinic").click()
    page.get_by_role("heading", name="alice.clinic", level=1).wait_for()
    timeline_url = page.url
    assert page.get_by_text("Weekly running distance").is_visible()
    page.locator("#chart-load").wait_for()
    check_accessibility(page)

    # Bob prescribes: the standard programme, then one more exercise with his note.
    page.get_by_role("link", name="Exercise programme").click()
    page.get_by_role("heading", name="Exercise programme", level=1).wait_for()
    check_accessibility(page)
    page.get_by_role("button", name="Start the programme").click()
    page.get_by_text("The standard programme starts today").wait_for()
    page.get_by_role("button", name="Remove Clamshell").click()
    page.get_by_text("The exercise is taken out of the programme.").wait_for()
    page.get_by_label("Exercise from the library").select_option(label="Clamshell")
    page.get_by_label("Sets").last.fill("2")
    page.get_by_label("Repetitions per set").last.fill("12")
    page.get_by_label("Note for the runner (optional)").last.fill("Slow and controlled")
    page.get_by_role("button", name="Add to the programme").click()
    page.get_by_text("Clamshell is added").wait_for()
    check_accessibility(page)

    phone.goto(server.url + "/today/")
    phone.get_by_role("heading", name="From your physio").wait_for()
    assert phone.get_by_text("Added Clamshell: 2 sets of 12").is_visible()
    assert phone.get_by_text("Slow and controlled").is_visible()
    check_accessibility(phone)
    phone.get_by_role("button", name="Got it").click()
    phone.get_by_role("heading", name="Today's session").wait_for()
    assert phone.get_by_role("heading", name="From your physio").count() == 0

    phone.goto(server.url + "/clinic/sharing/access-log/")
    assert phone.get_by_role("cell", name="bob.clinic (Browser Physio)").first.is_visible()
    phone.goto(server.url + "/clinic/sharing/")
    phone.get_by_role("button", name="Stop sharing with bob.clinic").click()
    phone.get_by_text("bob.clinic can no longer see your record").wait_for()

    response = page.goto(timeline_url)
    assert response.status == 404
    page.goto(server.url + "/clinic/")
    assert page.get_by_role("link", name="alice.clinic").count() == 0


def test_a_runner_invites_her_physio_who_takes_up_the_code(
    page: Any, phone: Any, server: Server
) -> None:
    dana = server.create_user("dana.clinic@example.com", role="physio", clinic="Browser Physio")
    olive = server.create_user("olive.clinic@example.com")

    log_in(phone, server, olive)
    phone.goto(server.url + "/clinic/sharing/")
    phone.get_by_role("link", name="Invite your physio").click()
    phone.get_by_role("heading", name="Your physio will see").wait_for()
    check_accessibility(phone)
    phone.get_by_role("button", name="Make the invitation").click()
    phone.get_by_text("Tick the box to agree").wait_for()
    phone.get_by_label("I agree that the physio").check()
    phone.get_by_role("button", name="Make the invitation").click()
    code = phone.get_by_test_id("invitation-code").inner_text()
    check_accessibility(phone)

    log_in_with_new_authenticator(page, server, dana)
    page.goto(server.url + "/clinic/")
    page.get_by_text("A runner gave you a code?").click()
    page.get_by_label("Code from a runner").fill(code)
    page.get_by_role("button", name="Check the code").click()
    page.get_by_role("heading", name="Follow olive.clinic?").wait_for()
    check_accessibility(page)
    page.get_by_role("button", name="Follow olive.clinic").click()
    page.get_by_role("heading", name="olive.clinic", level=1).wait_for()

    phone.goto(server.url + "/clinic/sharing/")
    assert phone.get_by_role("button", name="Stop sharing with dana.clinic").is_visible()
