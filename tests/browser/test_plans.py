"""A runner passes the readiness check, moves through two stages, and a flare steps them back."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import Server, check_accessibility, log_in


def pick_pain(page: Any, name: str, value: int) -> None:
    page.locator(f"label[for=id_{name}_{value}]").click()


def fill_readiness(page: Any) -> None:
    page.get_by_label("How many minutes can you walk briskly without pain?").fill("30")
    page.get_by_label("Controlled single-leg squats on your left leg").fill("10")
    page.get_by_label("Controlled single-leg squats on your right leg").fill("10")
    pick_pain(page, "squat_pain_nrs", 1)
    page.get_by_label("Single-leg hops on your left leg").fill("10")
    page.get_by_label("Single-leg hops on your right leg").fill("10")
    pick_pain(page, "hop_pain_nrs", 0)
    pick_pain(page, "daily_pain_nrs", 1)


def log_session(page: Any, during: int, after: int, morning: int) -> str:
    """Log one session and its next-morning pain; return the decision message shown."""
    pick_pain(page, "pain_during_nrs", during)
    pick_pain(page, "pain_after_nrs", after)
    page.get_by_role("button", name="Save the session").click()
    page.get_by_role("heading", name="How is the knee this morning?").wait_for()
    pick_pain(page, "pain_next_morning_nrs", morning)
    page.get_by_role("button", name="Save and decide the next step").click()
    return str(page.locator(".messages").inner_text())


def test_a_runner_goes_through_two_stages_and_a_flare_steps_them_back(
    phone: Any, server: Server
) -> None:
    email = server.create_user("plans.runner@example.com")
    log_in(phone, server, email)
    phone.goto(server.url + "/plan/")
    check_accessibility(phone)
    phone.get_by_role("link", name="Take the readiness check").click()
    fill_readiness(phone)
    check_accessibility(phone)
    phone.get_by_role("button", name="Check my readiness").click()
    assert "ready to start" in phone.get_by_role("heading", level=1).inner_text()
    check_accessibility(phone)

    phone.get_by_role("link", name="Choose a walk/run plan").click()
    phone.get_by_role("radio", name="Walk/run by distance (US Army programme)").check()
    check_accessibility(phone)
    phone.get_by_role("button", name="Start the plan").click()
    phone.wait_for_url("**/plan/")
    assert "Stage 1" in phone.locator("#next-heading + .big-number").inner_text()
    check_accessibility(phone)

    first = log_session(phone, during=1, after=1, morning=1)
    assert "Repeat this stage" in first and "repeat it once more" in first
    second = log_session(phone, during=2, after=1, morning=1)
    assert "Move on" in second and "move on to stage 2" in second
    assert "Stage 2" in phone.locator("#next-heading + .big-number").inner_text()
    log_session(phone, during=0, after=1, morning=1)
    third = log_session(phone, during=1, after=2, morning=1)
    assert "move on to stage 3" in third
    assert "Stage 3" in phone.locator("#next-heading + .big-number").inner_text()

    flare = log_session(phone, during=7, after=4, morning=2)
    assert "Step back a stage" in flare and "7/10" in flare
    assert "Stage 2" in phone.locator("#next-heading + .big-number").inner_text()
    assert phone.get_by_text("Step back a stage").first.is_visible()
    check_accessibility(phone)


def test_the_interval_timer_counts_down_and_switches_on_its_own(page: Any, server: Server) -> None:
    email = server.create_user("plans.timer@example.com")
    log_in(page, server, email)
    page.goto(server.url + "/plan/readiness/")
    fill_readiness(page)
    page.get_by_role("button", name="Check my readiness").click()
    page.get_by_role("link", name="Choose a walk/run plan").click()
    page.get_by_role("radio", name="Graded running by time (Moen 2012)").check()
    page.get_by_role("button", name="Start the plan").click()
    page.get_by_role("link", name="Open the interval timer").click()
    check_accessibility(page)
    timer = page.locator("[data-interval-timer]")
    assert timer.locator("[data-timer-remaining]").inner_text() == "2:00"
    assert page.get_by_role("button", name="Pause").is_hidden()
    page.get_by_role("button", name="Start").click()
    assert page.get_by_role("button", name="Start").is_hidden()
    # Every beep of the session is scheduled on the audio clock at the start, so the cues keep
    # time with the screen off: 4 runs x 2 tones + 4 walks x 1 tone + 3 finishing tones.
    scheduled = "document.querySelector('[data-interval-timer]').timer.beeper.nodes.length"
    assert page.evaluate(scheduled) == 15
    page.wait_for_timeout(1300)
    assert timer.get_attribute("data-phase") == "run"
    assert timer.locator("[data-timer-remaining]").inner_text() in {"1:59", "1:58"}
    page.get_by_role("button", name="Pause").click()
    assert page.get_by_role("button", name="Resume").is_visible()
    assert page.evaluate(scheduled) == 0
    page.get_by_role("button", name="Reset").click()
    assert timer.locator("[data-timer-remaining]").inner_text() == "2:00"
    assert timer.locator("[data-timer-step]").inner_text() == "1 of 8"


def test_the_cadence_page_plays_a_metronome_and_offers_the_click_track(
    page: Any, server: Server
) -> None:
    email = server.create_user("plans.cadence@example.com")
    log_in(page, server, email)
    page.goto(server.url + "/plan/cadence/")
    check_accessibility(page)
    page.get_by_label("Target cadence (steps per minute)").fill("172")
    page.get_by_role("button", name="Save target").click()
    assert "172" in page.locator(".big-number").first.inner_text()
    metronome = page.locator("[data-metronome]")
    page.get_by_role("button", name="Start").click()
    page.wait_for_timeout(1500)
    assert metronome.get_attribute("data-playing") == "true"
    assert int(metronome.get_attribute("data-beats") or "0") >= 4  # 172/min: ~2.9 a second
    page.get_by_role("button", name="Stop").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the click track (WAV)").click()
    assert download.value.suggested_filename == "cadence-172-per-minute-20-min.wav"


def test_a_runner_adds_shoes_and_sees_them_listed(page: Any, server: Server) -> None:
    email = server.create_user("plans.shoes@example.com")
    log_in(page, server, email)
    page.goto(server.url + "/plan/shoes/")
    page.get_by_label("Name").fill("Ghost 16")
    page.get_by_label("Distance already run in them").fill("510")
    page.get_by_role("button", name="Add shoes").click()
    assert page.get_by_role("link", name="Ghost 16").is_visible()
    assert page.get_by_text("Check for wear").is_visible()
    check_accessibility(page)
    page.get_by_role("link", name="Ghost 16").click()
    check_accessibility(page)
