"""The report as a PDF: what it holds, which notes it includes, and how it is served."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Table

from kneeclinic.accounts.models import User
from kneeclinic.activities.models import Activity
from kneeclinic.clinic import notes, pdf, timeline
from kneeclinic.clinic.models import AuditEvent
from tests.clinic.conftest import logged_in

pytestmark = pytest.mark.django_db


def texts(flowables: list[Flowable]) -> str:
    """Every piece of text in the report's flowables, for assertions."""
    found: list[str] = []
    for item in flowables:
        if isinstance(item, Paragraph):
            found.append(item.text)
        elif isinstance(item, KeepTogether):
            found.append(texts(getattr(item, "_content")))  # noqa: B009 (private in the stubs)
        elif isinstance(item, Table):
            for row in cells(item):
                for cell in row:
                    found.append(cell.text if isinstance(cell, Paragraph) else str(cell))
    return "\n".join(found)


def cells(table: Table) -> list[list[object]]:
    values: list[list[object]] = getattr(table, "_cellvalues")  # noqa: B009 (not in the stubs)
    return values


def report_input(runner: User, reader: User, chosen: list[notes.NoteView]) -> pdf.ReportInput:
    data = timeline.build(runner)
    return pdf.ReportInput(
        runner_name=runner.display_name,
        runner_email=runner.email,
        sore_knee="",
        printed_at=timezone.now(),
        printed_by=reader.display_name,
        data=data,
        runs=timeline.run_rows(data),
        notes=chosen,
    )


def test_the_pdf_holds_the_record_and_escapes_what_people_typed(alice: User, bob: User) -> None:
    Activity.objects.create(
        runner=alice,
        start=timezone.now() - timedelta(days=3),
        sport="running",
        name="Park <b>loop</b> & back",
        distance_m=8000,
        elapsed_s=2700,
        moving_s=2640,
    )
    note = notes.create(alice, bob, {"history": "Pain on stairs <script>", "plan": "Hip work"})
    views = notes.for_reader(bob, alice)
    text = texts(pdf.story(report_input(alice, bob, views)))
    assert "Alice" in text
    assert "Park &lt;b&gt;loop&lt;/b&gt; &amp; back" in text
    assert "Pain on stairs &lt;script&gt;" in text
    assert f"{note.seen_on:%-d %b %Y}" in text
    assert "8 km" in text or "8.0 km" in text
    content = pdf.build(report_input(alice, bob, views))
    assert content.startswith(b"%PDF-")
    assert b"/Title (Knee Clinic report: Alice)" in content or b"Knee Clinic report" in content


def test_an_empty_record_still_makes_a_report(alice: User, bob: User) -> None:
    flowables = pdf.story(report_input(alice, bob, []))
    assert "No assessment notes included." in texts(flowables)
    assert pdf.load_chart(timeline.build(alice)) is None
    assert pdf.pain_chart(timeline.build(alice)) is None
    assert pdf.build(report_input(alice, bob, [])).startswith(b"%PDF-")


def test_the_physio_chooses_the_notes(alice: User, bob: User) -> None:
    kept = notes.create(alice, bob, {"history": "KEEP-THIS-NOTE"})
    notes.create(alice, bob, {"history": "LEAVE-THIS-OUT"})
    url = reverse("clinic:report", kwargs={"code": alice.code})
    client = logged_in(bob)
    page = client.get(url, {"choose": "1", "note": str(kept.code)}).content.decode()
    assert "KEEP-THIS-NOTE" in page
    assert "LEAVE-THIS-OUT" not in page.split("Assessment notes</h2>")[1]
    assert f"report.pdf?choose=1&amp;note={kept.code}" in page
    everything = client.get(url).content.decode()
    assert "LEAVE-THIS-OUT" in everything.split("Assessment notes</h2>")[1]


def test_the_pdf_download_is_an_attachment_and_audited(alice: User, bob: User) -> None:
    before = AuditEvent.objects.count()
    response = logged_in(bob).get(reverse("clinic:report-pdf", kwargs={"code": alice.code}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    today = timezone.localdate(timezone=bob.tz)
    assert response["Content-Disposition"] == (
        f'attachment; filename="knee-clinic-report-{today:%Y-%m-%d}.pdf"; '
        f"filename*=UTF-8''knee-clinic-report-{today:%Y-%m-%d}.pdf"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content.startswith(b"%PDF-")
    event = AuditEvent.objects.latest("id")
    assert AuditEvent.objects.count() == before + 1
    assert (event.actor_id, event.runner_id, event.verb) == (bob.pk, alice.pk, "download-pdf")


def test_the_weeks_table_shows_the_last_weeks(alice: User, bob: User) -> None:
    data = timeline.build(alice, today=date(2026, 11, 26))
    table = pdf._weeks_table(data)
    assert len(cells(table)) == pdf.WEEKS_IN_TABLE + 1
    assert cells(table)[-1][0] == "23 Nov 2026"
