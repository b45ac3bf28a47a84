"""The demo runner opens her Load page, reads her guardrail, sees the charts and checks a plan."""

from __future__ import annotations

import json
from typing import Any

from tests.browser.conftest import Server, check_accessibility, log_in

DEMO_RUNNER = "maya@example.com"
DEMO_PASSWORD = "knee-clinic-demo"  # the published demo login
CHARTS_DRAWN = """() => !!window.Chart && ['chart-weeks', 'chart-runs', 'chart-acwr'].every(
  (id) => { const c = Chart.getChart(id); return c && c.data.datasets.some((d) => d.data.length); }
)"""


def expected_summary(server: Server) -> str:
    server.cli("demo")
    report = json.loads(server.cli("load", "--user", DEMO_RUNNER, "--json"))
    return str(report["summary"])


def test_the_load_page_shows_the_guardrail_and_draws_its_charts(page: Any, server: Server) -> None:
    sentence = expected_summary(server)
    log_in(page, server, DEMO_RUNNER, DEMO_PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Load").click()
    page.wait_for_url("**/load/")

    summary = page.locator("#load-summary")
    assert summary.inner_text() == sentence
    assert sentence.startswith("Your longest run in the last 30 days: ")
    page.wait_for_function(CHARTS_DRAWN)
    for chart in ("#chart-weeks", "#chart-runs", "#chart-acwr"):
        box = page.locator(chart).bounding_box()
        assert box is not None
        assert box["width"] > 200
        assert box["height"] > 100
    # The planted spike: 21.3 km when the longest of the 30 days before was about 12 km.
    page.get_by_role("link", name="1 year").click()
    page.wait_for_url("**/load/?range=1y")
    page.wait_for_function(CHARTS_DRAWN)
    spikes = page.locator("details", has_text="Runs that were spikes")
    assert "21.3 km" in spikes.inner_text()
    assert "Moderate spike" in spikes.inner_text()
    check_accessibility(page)

    page.get_by_label("Planned distance (km)").fill("30")
    result = page.locator("#plan-result")
    result.get_by_text("Longer than your guide").wait_for()
    assert "30.0 km would be" in result.inner_text()
    assert "Keep it under" in result.inner_text()
    check_accessibility(page)


def test_the_load_page_fits_a_phone(phone: Any, server: Server) -> None:
    sentence = expected_summary(server)
    log_in(phone, server, DEMO_RUNNER, DEMO_PASSWORD)
    phone.goto(server.url + "/load/")
    assert phone.locator("#load-summary").inner_text() == sentence
    phone.wait_for_function(CHARTS_DRAWN)
    phone.get_by_label("Planned distance (km)").fill("a long way")
    phone.get_by_role("button", name="Check").click()
    phone.locator("#plan-result").get_by_text("Type a distance as a number").wait_for()
    check_accessibility(phone)


def test_the_today_page_shows_the_next_run_guardrail(page: Any, server: Server) -> None:
    sentence = expected_summary(server)
    log_in(page, server, DEMO_RUNNER, DEMO_PASSWORD)
    page.goto(server.url + "/today/")
    card = page.locator("section", has=page.get_by_role("heading", name="Your next run"))
    assert sentence in card.inner_text()
    check_accessibility(page)
