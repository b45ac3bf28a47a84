"""Learn: search with a typo, read an article, suggest a topic, and the admin sees it."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import Server, check_accessibility, log_in


def log_in_clinician(page: Any, server: Server, email: str) -> None:
    """Log in, and set up the authenticator step clinicians need on their first log-in."""
    import pyotp

    log_in(page, server, email)
    if "/two-factor/" in page.url:
        secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
        page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
        with page.expect_navigation():
            page.get_by_role("button", name="Confirm and log in").click()


def test_a_misspelt_search_finds_runners_knee_with_a_highlighted_snippet(
    phone: Any, server: Server
) -> None:
    phone.goto(server.url + "/learn/")
    check_accessibility(phone)
    phone.get_by_label("Search the articles").fill("patela")
    results = phone.locator("#search-results")
    first = results.get_by_role("link", name="What is runner's knee?")
    first.wait_for()
    assert results.locator("mark").first.is_visible()
    assert "patella" in results.inner_text().lower()
    check_accessibility(phone)


def test_search_open_suggest_and_the_admin_sees_the_suggestion(
    phone: Any, page: Any, server: Server
) -> None:
    phone.goto(server.url + "/learn/search/?q=stairs+hurt")
    phone.get_by_role("link", name="What is runner's knee?").click()
    phone.wait_for_url("**/learn/what-is-runners-knee/")
    assert phone.get_by_role("heading", level=1).inner_text() == "What is runner's knee?"
    assert phone.get_by_role("heading", name="References").is_visible()
    check_accessibility(phone)

    phone.get_by_label("Your topic or question").fill("Does running on a treadmill help my knee?")
    phone.get_by_role("button", name="Send suggestion").click()
    phone.get_by_text("Thank you!").wait_for()
    check_accessibility(phone)

    admin = server.create_user("learn.admin@example.com", role="admin", clinic="Learn Clinic")
    log_in_clinician(page, server, admin)
    page.goto(server.url + "/learn/suggestions/")
    assert page.get_by_text("Does running on a treadmill help my knee?").is_visible()
    check_accessibility(page)
    card = page.locator("li.card", has_text="treadmill")
    card.get_by_label("Answered by").select_option("returning-to-running")
    card.get_by_role("button", name="Mark written").click()
    page.get_by_text("Suggestion updated.").wait_for()
    assert (
        page.locator("li.card", has_text="treadmill")
        .get_by_text("Written", exact=True)
        .is_visible()
    )


def test_a_clinic_admin_describes_services_and_a_runner_requests_an_assessment(
    page: Any, phone: Any, server: Server
) -> None:
    admin = server.create_user("page.admin@example.com", role="admin", clinic="Page Clinic")
    log_in_clinician(page, server, admin)
    page.goto(server.url + "/learn/clinics/")
    page.get_by_role("link", name="Page Clinic").click()
    page.get_by_role("link", name="Edit this page").click()
    page.get_by_label("Musculoskeletal services").fill(
        "- Running injury assessment\n- Gait analysis"
    )
    page.get_by_label("Diagnostic options").fill("X-ray and MRI by referral")
    page.get_by_label("How to book").fill("Use the form on this page.")
    check_accessibility(page)
    page.get_by_role("button", name="Save the page").click()
    page.get_by_text("The clinic page is saved.").wait_for()
    assert page.get_by_role("listitem").filter(has_text="Gait analysis").is_visible()

    phone.goto(page.url)
    check_accessibility(phone)
    phone.get_by_label("Your name").fill("Tom")
    phone.get_by_label("Your email address").fill("tom@example.com")
    phone.get_by_label("What would you like help with?").fill("Left knee aches on stairs.")
    phone.get_by_role("button", name="Send request").click()
    phone.get_by_text("Your request has been sent to Page Clinic").wait_for()

    page.get_by_role("link", name="Assessment requests").click()
    assert page.get_by_text("Left knee aches on stairs.").is_visible()
    check_accessibility(page)
