"""A new runner signs up, logs in and sees Today, on a desktop and on a phone."""

from __future__ import annotations

import email
import re
from pathlib import Path
from typing import Any

from tests.browser.conftest import PASSWORD, Server, check_accessibility, log_in


def emailed_link(server: Server, to: str, path: str) -> str:
    """The newest link to ``path`` in the mail the server wrote for ``to``."""
    mail_dir = Path(server.env["KNEECLINIC_DATA_DIR"]) / "mail"
    messages = sorted(mail_dir.glob("*.log"), key=lambda f: f.stat().st_mtime)
    for log in reversed(messages):
        # Each file holds messages separated by a line of dashes; bodies may be quoted-printable.
        for raw in log.read_text().split("-" * 79):
            message = email.message_from_string(raw.strip())
            payload = message.get_payload(decode=True)
            if message["To"] != to or not isinstance(payload, bytes):
                continue
            found = re.search(r"(https?://\S+" + re.escape(path) + r"\S+)", payload.decode())
            if found:
                return found.group(1)
    raise AssertionError(f"no email to {to} with a link to {path}")


def test_a_new_runner_signs_up_sets_up_their_profile_and_sees_today(
    page: Any, server: Server
) -> None:
    page.goto(server.url + "/")
    check_accessibility(page)
    page.get_by_role("link", name="Create your free account").click()
    page.get_by_label("Your first name").fill("Maya")
    page.get_by_label("Email address").fill("maya.signup@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    check_accessibility(page)
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("heading", name="Check your email").wait_for()
    check_accessibility(page)

    # The server writes its mail to files (KNEECLINIC_EMAIL_BACKEND=file): open the link.
    link = emailed_link(server, "maya.signup@example.com", "/accounts/signup/finish/")
    page.goto(link)
    check_accessibility(page)
    page.get_by_role("button", name="Create my account").click()

    page.wait_for_url("**/accounts/profile/")
    page.get_by_label("Miles").check()
    page.get_by_label("Right knee").check()
    check_accessibility(page)
    page.get_by_role("button", name="Save").click()

    page.wait_for_url("**/today/")
    assert "Maya" in page.get_by_role("heading", level=1).inner_text()
    assert page.get_by_text("Right knee").is_visible()
    assert page.get_by_text("Miles").is_visible()
    check_accessibility(page)


def test_a_runner_logs_in_on_a_phone_and_the_page_fits(phone: Any, server: Server) -> None:
    email = server.create_user("phone.runner@example.com")
    log_in(phone, server, email)
    assert phone.url.endswith("/today/")
    assert phone.get_by_role("navigation", name="Main").is_visible()
    check_accessibility(phone)


def test_the_keyboard_alone_reaches_the_main_content(page: Any, server: Server) -> None:
    page.goto(server.url + "/accounts/login/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "email"


def test_a_wrong_password_says_so_without_saying_which_part(page: Any, server: Server) -> None:
    email = server.create_user("wrong.password@example.com")
    page.goto(server.url + "/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill("not the password at all")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("alert").inner_text().startswith("That email and password do not match")
