"""The exercise pages in a real browser: the player on a phone, offline half way, then syncing."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import Server, check_accessibility, log_in

CACHED = (
    "async (path) => { const c = await caches.open('kc-exercises-v1');"
    " return Boolean(await c.match(path)); }"
)


def _pain(page: Any, value: int) -> None:
    page.locator("#panel-pain").get_by_label(str(value), exact=True).check()
    page.locator("#next-button").click()


def _taps(page: Any, count: int) -> None:
    for _ in range(count):
        page.get_by_role("button", name="+1 rep").click()


def _hold(page: Any, seconds: int) -> None:
    page.get_by_role("button", name="Start the hold").click()
    page.clock.run_for(seconds * 1000 + 500)


def test_a_runner_does_the_warm_up_on_a_phone_offline_half_way_and_it_syncs_once(
    phone: Any, server: Server
) -> None:
    email = server.create_user("warm.up@example.com")
    log_in(phone, server, email)
    phone.clock.install()
    phone.goto(server.url + "/exercises/warm-up/")
    check_accessibility(phone)
    phone.wait_for_function(CACHED, arg="/exercises/warm-up/")

    phone.get_by_role("button", name="Start session").click()
    assert phone.get_by_role("heading", name="Brisk walk or easy jog").is_visible()
    assert phone.get_by_role("img", name="Walking briskly, arms swinging.").is_visible()
    check_accessibility(phone)
    _hold(phone, 300)
    assert phone.get_by_text("How much did your knee hurt during this exercise?").is_visible()
    check_accessibility(phone)
    _pain(phone, 1)

    assert phone.locator("#set-label").inner_text() == "Set 1 of 1 · right side"
    _taps(phone, 10)
    assert phone.locator("#set-label").inner_text() == "Set 1 of 1 · left side"
    _taps(phone, 10)
    _pain(phone, 0)
    _taps(phone, 10)  # walking lunges
    _pain(phone, 2)

    # The connection drops half way: the player carries on, even after a reload.
    phone.context.set_offline(True)
    _hold(phone, 20)  # high knees, set 1
    assert phone.locator("#rest-counter").is_visible()
    phone.clock.run_for(21_000)
    _hold(phone, 20)  # set 2
    _pain(phone, 1)
    phone.reload()
    assert phone.get_by_text("You have an unfinished session from today.").is_visible()
    phone.get_by_role("button", name="Carry on").click()
    assert phone.get_by_role("heading", name="Heel flicks").is_visible()
    _hold(phone, 20)
    phone.get_by_role("button", name="Skip the rest").click()
    _hold(phone, 20)
    _pain(phone, 0)

    phone.locator("#screen-finish").get_by_label("3", exact=True).check()
    phone.get_by_role("button", name="Save the session").click()
    status = phone.locator("#sync-status")
    assert "saved on this phone" in status.inner_text()
    check_accessibility(phone)

    phone.context.set_offline(False)
    phone.clock.run_for(31_000)
    phone.wait_for_function("() => !localStorage.getItem('kc-exercise-outbox') ||"
                            " localStorage.getItem('kc-exercise-outbox') === '{}'")  # fmt: skip
    assert status.inner_text() == "Your results are saved."

    # Every copy the phone sent (after each exercise, and at the end) made one session.
    phone.goto(server.url + "/exercises/library/butt-kicks/")
    assert "1 session since" in phone.locator("#history-summary").inner_text()
    assert "knee pain 0/10" in phone.locator("#history-summary").inner_text()


def test_a_runner_starts_the_programme_and_stops_a_session_half_way(
    phone: Any, server: Server
) -> None:
    email = server.create_user("programme.runner@example.com")
    log_in(phone, server, email)
    phone.clock.install()
    phone.goto(server.url + "/exercises/")
    check_accessibility(phone)
    phone.get_by_role("button", name="Start the programme today").click()
    assert phone.get_by_text("Your programme starts today").is_visible()
    check_accessibility(phone)

    phone.get_by_role("link", name="Start today's session").click()
    phone.get_by_role("button", name="Start session").click()
    assert phone.get_by_role("heading", name="Side-lying leg lift").is_visible()
    phone.get_by_role("button", name="Skip this exercise").click()
    assert phone.get_by_role(
        "heading", name="Standing leg out to the side with a band"
    ).is_visible()
    _taps(phone, 10)
    _taps(phone, 10)
    assert phone.locator("#rest-counter").is_visible()
    phone.clock.run_for(91_000)
    assert phone.locator("#set-label").inner_text() == "Set 2 of 3 · right side"
    for _ in range(3):  # skip ahead to an exercise whose reps are each held
        phone.get_by_role("button", name="Skip this exercise").click()
    assert phone.get_by_role("heading", name="Thigh tightening (quad set)").is_visible()
    phone.get_by_role("button", name="Start", exact=True).click()
    phone.clock.run_for(5_500)
    assert phone.locator("#counter").inner_text() == "1 / 10"
    assert phone.locator("#counter-help").inner_text().startswith("Relax")
    phone.clock.run_for(3_000)
    assert phone.locator("#counter-help").inner_text().endswith("rep 2 of 10")
    phone.get_by_role("button", name="End the session now").click()
    phone.locator("#screen-finish").get_by_label("4", exact=True).check()
    phone.get_by_role("button", name="Save the session").click()
    assert "before stopping" in phone.locator("#done-summary").inner_text()
    phone.wait_for_function("() => document.getElementById('sync-status').textContent"
                            " === 'Your results are saved.'")  # fmt: skip

    phone.get_by_role("link", name="Back to my programme").click()
    assert phone.get_by_text("Partly done").first.is_visible()
    assert phone.get_by_text("session partly done").count() == 1
    check_accessibility(phone)


def test_the_library_and_an_exercise_read_well_on_a_desktop(page: Any, server: Server) -> None:
    email = server.create_user("library.reader@example.com")
    log_in(page, server, email)
    page.goto(server.url + "/exercises/library/")
    check_accessibility(page)
    page.get_by_role("link", name="Clamshell").click()
    assert page.get_by_role("heading", name="Clamshell", level=1).is_visible()
    assert page.get_by_role(
        "img",
        name="Lying on the side, top knee opened upwards against the band, feet still together.",
    ).is_visible()
    check_accessibility(page)
