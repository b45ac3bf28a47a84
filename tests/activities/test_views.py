"""The runs pages: list, filters and units, a run's page, edits, imports with progress, access."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from kneeclinic.accounts.models import User
from kneeclinic.activities import importer, services, storage
from kneeclinic.activities.models import Activity, Import, Merge, StoredFile
from tests.activities.helpers import START, InlineSandbox, fit_run, gpx_copy, zip_of
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def inline_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importer, "ParseSandbox", InlineSandbox)


def imported(runner: User, *files: tuple[str, bytes]) -> list[Activity]:
    batch = services.create_import(runner, [(name, [data]) for name, data in files])
    services.run_import(batch.pk)
    return list(Activity.objects.filter(runner=runner))


def test_the_runs_list_shows_runs_in_the_runners_unit_and_filters(
    alice: User, alice_client: Client
) -> None:
    for day in range(60):
        services.create_manual_run(
            alice,
            start=START - timedelta(days=day),
            distance_m=5000,
            duration_s=1800,
            name=f"Run {day}",
        )
    services.create_manual_run(
        alice, start=START, distance_m=20_000, duration_s=3600, sport="cycling", name="Commute"
    )
    response = alice_client.get(reverse("activities:list-runs"))
    assert response.status_code == 200
    assert b"61 runs" in response.content and b"5.00 km" in response.content
    assert b"Page 1 of 2" in response.content
    alice.units = "mi"
    alice.save()
    page = alice_client.get(reverse("activities:list-runs"), {"sport": "cycling"}).content.decode()
    assert "Commute" in page and "12.43 mi" in page and "Run 1<" not in page
    found = alice_client.get(reverse("activities:list-runs"), {"q": "run 59"}).content.decode()
    assert "1 run found" in found
    window = alice_client.get(
        reverse("activities:list-runs"), {"start": "2026-04-30", "end": "2026-05-01"}
    ).content.decode()
    assert "Run 0<" in window and "Run 1<" in window and "Run 2<" not in window
    assert (
        "No runs match"
        in alice_client.get(reverse("activities:list-runs"), {"q": "zzz"}).content.decode()
    )


def test_the_runs_list_costs_the_same_queries_with_many_runs(
    alice: User, alice_client: Client, django_assert_max_num_queries: object
) -> None:
    Activity.objects.bulk_create(
        Activity(runner=alice, start=START - timedelta(hours=i), elapsed_s=1800, distance_m=5000)
        for i in range(500)
    )
    with django_assert_max_num_queries(8):  # type: ignore[operator]
        assert alice_client.get(reverse("activities:list-runs"), {"page": "3"}).status_code == 200


def test_an_empty_runs_list_invites_an_import(alice_client: Client) -> None:
    assert b"No runs yet" in alice_client.get(reverse("activities:list-runs")).content


def test_a_run_page_has_summary_charts_laps_route_and_the_article(
    alice: User, alice_client: Client
) -> None:
    [run] = imported(alice, ("a.fit", fit_run(seconds=1500)))
    page = alice_client.get(reverse("activities:show-run", args=[run.code])).content.decode()
    assert "4.50 km" in page and "170 steps/min" in page and "150 bpm" in page
    assert 'id="run-chart-data"' in page and "Heart rate (bpm)" in page and "Pace (min/km)" in page
    assert '<path d="M' in page
    assert page.count("<tr>") == 6  # header and five laps
    assert reverse("knowledge:show-article", args=["cadence-and-technique"]) in page
    original = alice_client.get(reverse("activities:download-original", args=[run.code]))
    assert b"".join(original.streaming_content) == fit_run(seconds=1500)  # type: ignore[attr-defined]


def test_a_run_entered_by_hand_has_no_charts_and_no_original(
    alice: User, alice_client: Client
) -> None:
    run = services.create_manual_run(alice, start=START, distance_m=5000, duration_s=1800)
    page = alice_client.get(reverse("activities:show-run", args=[run.code])).content.decode()
    assert "run-chart-data" not in page and "Download the original" not in page
    assert (
        alice_client.get(reverse("activities:download-original", args=[run.code])).status_code
        == 404
    )


def test_a_merge_is_shown_and_can_be_undone_from_the_run_page(
    alice: User, alice_client: Client
) -> None:
    [run] = imported(alice, ("watch.fit", fit_run()), ("phone.gpx", gpx_copy()))
    merge = Merge.objects.get()
    page = alice_client.get(reverse("activities:show-run", args=[run.code])).content.decode()
    assert "We merged <strong>phone.gpx</strong>" in page
    response = alice_client.post(reverse("activities:undo-merge", args=[merge.code]))
    assert response.status_code == 302
    assert Activity.objects.filter(runner=alice).count() == 2


def test_editing_a_run_changes_its_name_sport_exclusion_and_shoe(
    alice: User, alice_client: Client
) -> None:
    from kneeclinic.plans.models import Shoe

    shoe = Shoe.objects.create(runner=alice, name="Blue trainers", start_date=START.date())
    run = services.create_manual_run(alice, start=START, distance_m=5000, duration_s=1800)
    url = reverse("activities:edit-run", args=[run.code])
    assert b"Blue trainers" in alice_client.get(url).content
    response = alice_client.post(
        url, {"name": "Hill reps", "sport": "running", "excluded_from_load": "on", "shoe": shoe.pk}
    )
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.name == "Hill reps" and run.excluded_from_load and run.shoe_use.shoe == shoe
    assert alice_client.post(url, {"name": "", "sport": "running"}).status_code == 200


def test_deleting_a_run_asks_first(alice: User, alice_client: Client) -> None:
    run = services.create_manual_run(alice, start=START, distance_m=5000, duration_s=1800)
    url = reverse("activities:delete-run", args=[run.code])
    assert b"Delete this run?" in alice_client.get(url).content
    assert alice_client.post(url).status_code == 302
    assert not Activity.objects.exists()


def test_entering_a_run_by_hand(alice: User, alice_client: Client) -> None:
    url = reverse("activities:create-run")
    assert alice_client.get(url).status_code == 200
    response = alice_client.post(
        url,
        {
            "day": "2026-05-02",
            "at": "18:30",
            "distance": "5.2",
            "duration": "28:30",
            "sport": "running",
            "how_it_felt": "Easy",
        },
    )
    assert response.status_code == 302
    run = Activity.objects.get()
    assert (
        run.distance_m == pytest.approx(5200)
        and run.elapsed_s == 1710
        and run.name == "Evening run"
    )
    bad = alice_client.post(
        url, {"day": "2026-05-02", "distance": "far", "duration": "soon", "sport": "running"}
    )
    assert b"Type a distance" in bad.content and b"Type the time" in bad.content


def test_an_upload_is_imported_and_its_page_reports_progress_and_failures(
    alice: User, alice_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    url = reverse("activities:import-files")
    assert b"drag and drop" in alice_client.get(url).content
    files = [SimpleUploadedFile("a.fit", fit_run()), SimpleUploadedFile("b.fit", b"junk")]
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(url, {"files": files})
    batch = Import.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "activities:show-import", args=[batch.code]
    )
    page = alice_client.get(response["Location"]).content.decode()
    assert "2 of 2 files done" in page and "b.fit" in page and "Files we could not read" in page
    fragment = alice_client.get(
        response["Location"], headers={"HX-Request": "true"}
    ).content.decode()
    assert (
        fragment.lstrip().startswith('<div id="import-progress"') and "hx-trigger" not in fragment
    )
    assert b"Recent imports" in alice_client.get(url).content


def test_a_large_upload_spooled_to_disk_is_kept_from_its_file(
    alice: User,
    alice_client: Client,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    import hashlib

    def unused(_: object) -> None:
        raise AssertionError("a spooled upload is copied from its file, not read in chunks")

    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # every upload goes to a temporary file
    monkeypatch.setattr(storage, "store_chunks", unused)
    data = zip_of({"runs/a.fit": fit_run()})
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(
            reverse("activities:import-files"),
            {"files": [SimpleUploadedFile("export.zip", data)]},
        )
    batch = Import.objects.get()
    assert batch.uploads == [{"name": "export.zip", "sha256": hashlib.sha256(data).hexdigest()}]
    assert storage.read_stored(StoredFile.objects.get(sha256=batch.uploads[0]["sha256"])) == data
    assert Activity.objects.filter(runner=alice).count() == 1


def test_an_upload_without_files_or_too_big_is_refused_plainly(
    alice_client: Client, settings: object
) -> None:
    url = reverse("activities:import-files")
    assert b"Choose at least one file" in alice_client.post(url, {}).content
    response = alice_client.post(url, {}, CONTENT_LENGTH=str(3 * 1024**3))
    assert response.status_code == 413 and b"we accept up to" in response.content


def test_an_unfinished_import_without_a_worker_is_started_again_by_its_page(
    alice: User, alice_client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    batch = services.create_import(alice, [("a.fit", [fit_run()])])
    Import.objects.filter(pk=batch.pk).update(created_at=batch.created_at - timedelta(minutes=10))
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.get(reverse("activities:show-import", args=[batch.code]))
    batch.refresh_from_db()
    assert batch.status == "done" and batch.imported == 1


def test_others_cannot_see_or_change_a_runners_runs(
    alice: User, bob: User, charlie: User, client: Client
) -> None:
    run = services.create_manual_run(
        alice, start=START, distance_m=5000, duration_s=1800, name="Mine"
    )
    batch = services.create_import(alice, [("a.fit", [b"x"])])
    client.force_login(charlie)
    for name in ("show-run", "edit-run", "delete-run", "download-original"):
        assert client.get(reverse(f"activities:{name}", args=[run.code])).status_code == 404
    assert client.get(reverse("activities:show-import", args=[batch.code])).status_code == 404
    assert b"Mine" not in client.get(reverse("activities:list-runs")).content
    client.force_login(bob)  # her physio may look, not change
    page = client.get(reverse("activities:show-run", args=[run.code])).content.decode()
    assert "Mine" in page and "Change this run" not in page
    assert client.post(reverse("activities:delete-run", args=[run.code])).status_code == 404
    assert Activity.objects.filter(pk=run.pk).exists()
    other = make_user("dave@example.com")
    client.force_login(other)
    assert client.get(reverse("activities:edit-run", args=[run.code])).status_code == 404


def test_a_spike_is_named_on_the_import_summary_and_on_its_run_page(
    alice: User, alice_client: Client
) -> None:
    files = [
        (
            f"easy{week}.fit",
            fit_run(start=START + timedelta(days=7 * week), seconds=1000, speed=5.0),
        )
        for week in range(4)
    ]
    files.append(("long.fit", fit_run(start=START + timedelta(days=28), seconds=2400, speed=5.0)))
    batch = services.create_import(alice, [(name, [data]) for name, data in files])
    services.run_import(batch.pk)
    summary = alice_client.get(
        reverse("activities:show-import", args=[batch.code])
    ).content.decode()
    assert "Runs much longer than the month before" in summary
    assert summary.count("badge--red") == 1 and "more than double" in summary
    long_run = Activity.objects.filter(runner=alice).order_by("-distance_m").first()
    assert long_run is not None
    page = alice_client.get(reverse("activities:show-run", args=[long_run.code])).content.decode()
    assert "much longer than your longest run in the 30 days before it" in page
    easy = Activity.objects.filter(runner=alice).order_by("distance_m").first()
    assert easy is not None
    assert (
        "badge--red"
        not in alice_client.get(reverse("activities:show-run", args=[easy.code])).content.decode()
    )


def test_the_original_of_a_file_from_an_archive_downloads(
    alice: User, alice_client: Client
) -> None:
    data = fit_run()
    batch = services.create_import(alice, [("export.zip", [zip_of({"runs/a.fit": data})])])
    services.run_import(batch.pk)
    run = Activity.objects.get(runner=alice)
    response = alice_client.get(reverse("activities:download-original", args=[run.code]))
    assert b"".join(response.streaming_content) == data  # type: ignore[attr-defined]
    assert 'filename="a.fit"' in response["Content-Disposition"]
