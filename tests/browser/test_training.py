"""A runner opens her Load page, reads her guardrail, sees the charts and checks a planned run."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import Server, check_accessibility, log_in

SENTENCE = "Your longest run in the last 30 days: 14.2 km. Keep your next run under 15.6 km."
CHARTS_DRAWN = """() => !!window.Chart && ['chart-weeks', 'chart-runs', 'chart-acwr'].every(
  (id) => { const c = Chart.getChart(id); return c && c.data.datasets.some((d) => d.data.length); }
)"""
# Six weeks of 6-8 km runs, a 14.2 km run six days ago (a spike) and 5 km two days ago.
SEED_RUNS = """
from datetime import timedelta
from django.utils import timezone
from kneeclinic.accounts.models import User
from kneeclinic.activities.models import Activity
runner = User.objects.get(email={email!r})
now = timezone.now()
plan = [(days, 6 + (days % 3)) for days in range(44, 8, -3)] + [(6, 14.2), (2, 5)]
Activity.objects.bulk_create([
    Activity(runner=runner, start=now - timedelta(days=days, hours=1), elapsed_s=km * 360,
             moving_s=km * 360, distance_m=km * 1000, name="Easy run")
    for days, km in plan
])
"""


def runner_with_runs(server: Server, email: str) -> str:
    server.create_user(email)
    server.cli("shell", "-c", SEED_RUNS.format(email=email))
    return email


def test_the_load_page_shows_the_guardrail_and_draws_its_charts(page: Any, server: Server) -> None:
    log_in(page, server, runner_with_runs(server, "load.desk@example.com"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Load").click()
    page.wait_for_url("**/load/")

    assert page.locator("#load-summary").inner_text() == SENTENCE
    page.wait_for_function(CHARTS_DRAWN)
    for chart in ("#chart-weeks", "#chart-runs", "#chart-acwr"):
        box = page.locator(chart).bounding_box()
        assert box is not None
        assert box["width"] > 200
        assert box["height"] > 100
    spikes = page.locator("details", has_text="Runs that were spikes")
    assert "14.2 km" in spikes.inner_text()
    assert "Moderate spike" in spikes.inner_text()  # 14.2 km after at most 8 km: +78 %
    check_accessibility(page)

    page.get_by_label("Planned distance (km)").fill("20")
    result = page.locator("#plan-result")
    result.get_by_text("Longer than your guide", exact=True).wait_for()
    assert "20.0 km would be 41 % longer than your longest run" in result.inner_text()
    page.get_by_label("Planned distance (km)").fill("12")
    result.get_by_text("Within your guide", exact=True).wait_for()
    check_accessibility(page)

    page.get_by_role("link", name="1 year").click()
    page.wait_for_url("**/load/?range=1y")
    page.wait_for_function(CHARTS_DRAWN)


def test_the_load_page_fits_a_phone(phone: Any, server: Server) -> None:
    log_in(phone, server, runner_with_runs(server, "load.phone@example.com"))
    phone.goto(server.url + "/load/")
    assert phone.locator("#load-summary").inner_text() == SENTENCE
    phone.wait_for_function(CHARTS_DRAWN)
    phone.get_by_label("Planned distance (km)").fill("a long way")
    phone.get_by_role("button", name="Check").click()
    phone.locator("#plan-result").get_by_text("Type a distance as a number").wait_for()
    check_accessibility(phone)


def test_the_today_page_shows_the_next_run_guardrail(page: Any, server: Server) -> None:
    log_in(page, server, runner_with_runs(server, "load.today@example.com"))
    page.goto(server.url + "/today/")
    card = page.locator("section", has=page.get_by_role("heading", name="Your next run"))
    assert SENTENCE in card.inner_text()
    check_accessibility(page)
