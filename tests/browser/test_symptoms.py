"""The diary in a real browser: the checker's emergency path, three-tap pain entry, keyboard use."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import Server, check_accessibility, log_in


def test_the_checker_reaches_the_emergency_outcome_from_one_red_flag_answer(
    phone: Any, server: Server
) -> None:
    email = server.create_user("checker-runner@example.com")
    log_in(phone, server, email)
    phone.goto(server.url + "/diary/")
    phone.get_by_role("link", name="Check your symptoms").first.click()
    phone.wait_for_url("**/diary/check/")
    check_accessibility(phone)
    phone.get_by_role("button", name="Start the questions").click()
    phone.get_by_role("heading", name="Are you short of breath").wait_for()
    check_accessibility(phone)
    phone.get_by_role("button", name="No").click()
    phone.get_by_role("heading", name="Do you feel very unwell").wait_for()
    assert phone.url.endswith("/very_unwell/")
    phone.get_by_role("button", name="Yes").click()
    heading = phone.get_by_role("heading", name="Call 999 or go to A&E now")
    heading.wait_for()
    # htmx moves focus to the result's heading once the swap settles: wait for it, not a guess.
    phone.wait_for_function("() => document.activeElement?.id === 'result-heading'", timeout=5000)
    assert "serious infection" in phone.locator(".checker-reasons").inner_text()
    check_accessibility(phone)
    phone.get_by_role("link", name="Back to your diary").click()
    phone.wait_for_url("**/diary/")
    assert "Call 999 or go to A&E now" in phone.locator("main").inner_text()


def test_a_pain_entry_takes_three_taps_on_a_phone(phone: Any, server: Server) -> None:
    email = server.create_user("three-taps@example.com")
    log_in(phone, server, email)
    phone.goto(server.url + "/diary/pain/new/")
    check_accessibility(phone)
    taps = 0
    phone.locator("label.pain-scale__option", has_text="5").click()
    taps += 1
    phone.locator(".tap-choices label", has_text="After a run").click()
    taps += 1
    phone.get_by_role("button", name="Save").click()
    taps += 1
    phone.wait_for_url("**/diary/")
    assert taps == 3
    assert "Saved: pain 5 out of 10." in phone.locator(".messages").inner_text()
    assert "5/10" in phone.locator(".pain-list").inner_text()
    check_accessibility(phone)


def test_the_knee_map_and_scale_work_with_the_keyboard(page: Any, server: Server) -> None:
    email = server.create_user("keyboard-knee@example.com")
    log_in(page, server, email)
    page.goto(server.url + "/diary/pain/new/")
    page.locator("#id_pain_nrs_0").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.locator("#id_pain_nrs_2").is_checked()
    page.locator("#id_spot_0").focus()
    page.keyboard.press("ArrowDown")
    assert page.locator("#id_spot_1").is_checked()
    page.locator("#id_when_1").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Save").press("Enter")
    page.wait_for_url("**/diary/")
    assert "Around the kneecap" in page.locator(".pain-list").inner_text()


def test_the_diary_pages_draw_their_charts_and_pass_axe(page: Any, server: Server) -> None:
    email = server.create_user("diary-pages@example.com")
    log_in(page, server, email)
    for score, when in (("6", "On stairs"), ("2", "At rest")):
        page.goto(server.url + "/diary/pain/new/")
        page.locator("label.pain-scale__option", has_text=score).first.click()
        page.locator(".tap-choices label", has_text=when).click()
        page.get_by_role("button", name="Save").click()
        page.wait_for_url("**/diary/")
    for choice in ("first", "last"):
        page.goto(server.url + "/diary/kujala/new/")
        for group in page.locator("main fieldset").all():
            radios = group.locator("input[type=radio]")
            (radios.first if choice == "first" else radios.last).check()
        page.get_by_role("button", name="Save my answers").click()
        page.wait_for_url("**/diary/kujala/")
    assert "100 points worse: a change large enough to matter." in page.locator("main").inner_text()
    for path, chart in (("/diary/", "pain-chart"), ("/diary/kujala/", "akps-chart")):
        page.goto(server.url + path)
        page.wait_for_function(f"() => !!window.Chart && !!Chart.getChart('{chart}')")
        check_accessibility(page)
    for path in (
        "/diary/self-help/",
        "/diary/self-help/ice/",
        "/diary/self-help/painkillers/check/",
        "/diary/kujala/new/",
        "/today/",
    ):
        page.goto(server.url + path)
        check_accessibility(page)
    page.goto(server.url + "/diary/self-help/ice/")
    page.get_by_role("button", name="Start").click()
    page.get_by_text("Timer started").wait_for()
    page.get_by_role("button", name="Stop").click()
    page.get_by_text("Timer stopped.").wait_for()
