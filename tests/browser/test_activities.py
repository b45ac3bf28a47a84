"""Runs in the browser: upload an archive, watch the import finish, open a run and its charts."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.activities.helpers import START, fit_run
from tests.browser.conftest import Server, check_accessibility, log_in


def small_export(folder: Path) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("export/long.fit", fit_run(seconds=2400))
        archive.writestr("export/easy.fit", fit_run(start=START - timedelta(days=2), seconds=1500))
        archive.writestr("export/broken.fit", fit_run()[:400])
    path = folder / "export.zip"
    path.write_bytes(buffer.getvalue())
    return path


def test_upload_an_archive_watch_progress_and_open_a_run(
    page: Any, server: Server, tmp_path: Path
) -> None:
    email = server.create_user("runs.importer@example.com")
    log_in(page, server, email)
    page.goto(server.url + "/runs/")
    check_accessibility(page)
    page.get_by_role("link", name="Import files").first.click()
    page.wait_for_url("**/runs/import/")
    check_accessibility(page)
    page.get_by_label("Files or an export archive").set_input_files(str(small_export(tmp_path)))
    page.get_by_role("button", name="Import").click()
    page.wait_for_url("**/runs/import/*/")
    page.get_by_role("heading", name="Files we could not read").wait_for(timeout=60_000)
    assert "3 of 3 files done" in page.locator("#import-progress").inner_text()
    assert "export/broken.fit" in page.get_by_role("list").last.inner_text()
    check_accessibility(page)
    page.get_by_role("link", name="See your runs").click()
    page.wait_for_url("**/runs/")
    assert page.locator(".kc-run").count() == 2
    page.locator(".kc-run a").first.click()
    page.get_by_role("heading", name="Along the way").wait_for()
    page.locator("#chart-heart_rate").wait_for()
    assert page.get_by_role("img", name="The shape of the route").is_visible()
    assert page.get_by_role("table").is_visible()
    check_accessibility(page)


def test_the_runs_pages_fit_a_phone(phone: Any, server: Server) -> None:
    email = server.create_user("runs.phone@example.com")
    log_in(phone, server, email)
    phone.goto(server.url + "/runs/new/")
    phone.get_by_label("Date").fill("2026-05-02")
    phone.get_by_label("Distance").fill("5")
    phone.get_by_label("Time taken").fill("30:00")
    check_accessibility(phone)
    phone.get_by_role("button", name="Save the run").click()
    phone.get_by_role("heading", name="Summary").wait_for()
    assert "5.00 km" in phone.locator(".facts").inner_text()
    check_accessibility(phone)
    phone.goto(server.url + "/runs/")
    check_accessibility(phone)
