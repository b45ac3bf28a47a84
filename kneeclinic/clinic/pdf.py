"""The runner's report as a PDF, for an appointment or a referral letter.

It holds what the printable page holds: the summary, the weekly load and pain charts, the last
weeks in figures, Kujala scores, return-to-run plans, recent runs and the assessment notes the
physio chose to include. Drawn with ReportLab (BSD licence) in its bundled Vera fonts, so any
name or note prints without fonts from the system or the network.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from kneeclinic.clinic.notes import NoteView
from kneeclinic.clinic.timeline import PAIN_SERIES, Timeline

BRAND = colors.HexColor("#0b5d6b")
PAIN_COLOURS = (colors.HexColor("#b3261e"), colors.HexColor("#e08a00"), colors.HexColor("#5b4bb7"))
DISCLAIMER = (
    "Knee Clinic gives information and self-management support; it does not diagnose. "
    "Any working diagnosis in this report is the treating clinician's."
)
WEEKS_IN_TABLE = 8


@dataclass(frozen=True)
class ReportInput:
    runner_name: str
    runner_email: str
    sore_knee: str
    printed_at: datetime
    printed_by: str
    data: Timeline
    runs: Sequence[dict[str, Any]]
    notes: Sequence[NoteView]


def _fonts() -> None:
    if "Vera" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("Vera", "Vera.ttf"))
        pdfmetrics.registerFont(TTFont("Vera-Bold", "VeraBd.ttf"))
        pdfmetrics.registerFontFamily("Vera", normal="Vera", bold="Vera-Bold")


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    body = ParagraphStyle("kc-body", parent=base["BodyText"], fontName="Vera", fontSize=9.5)
    return {
        "body": body,
        "small": ParagraphStyle("kc-small", parent=body, fontSize=8, textColor=colors.grey),
        "cell": ParagraphStyle("kc-cell", parent=body, fontSize=8.5, leading=10),
        "h1": ParagraphStyle(
            "kc-h1", parent=base["Title"], fontName="Vera-Bold", fontSize=18, alignment=0
        ),
        "h2": ParagraphStyle(
            "kc-h2", parent=base["Heading2"], fontName="Vera-Bold", fontSize=12, textColor=BRAND
        ),
        "h3": ParagraphStyle("kc-h3", parent=base["Heading3"], fontName="Vera-Bold", fontSize=10),
    }


def _text(value: object) -> str:
    """Escape user text for ReportLab's mini-markup and keep its line breaks."""
    return escape(str(value)).replace("\n", "<br/>")


def _table(rows: Sequence[list[Any]], widths: Sequence[float]) -> Table:
    table = Table(rows, colWidths=list(widths), repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), "Vera", 8.5),
                ("FONT", (0, 0), (-1, 0), "Vera-Bold", 8.5),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, BRAND),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f2f5f6")]),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _week_labels(data: Timeline) -> list[str]:
    return [week.strftime("%-d %b") if i % 4 == 0 else "" for i, week in enumerate(data.weeks)]


def load_chart(data: Timeline) -> Drawing | None:
    if not any(data.load_km):
        return None
    drawing = Drawing(170 * mm, 55 * mm)
    chart = VerticalBarChart()
    chart.x, chart.y = round(12 * mm), round(8 * mm)
    chart.width, chart.height = round(150 * mm), round(40 * mm)
    chart.data = [data.load_km]
    chart.bars[0].fillColor = BRAND
    chart.bars[0].strokeColor = None
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontName = "Vera"
    chart.valueAxis.labels.fontSize = 7
    chart.categoryAxis.categoryNames = _week_labels(data)
    chart.categoryAxis.labels.fontName = "Vera"
    chart.categoryAxis.labels.fontSize = 7
    drawing.add(chart)
    drawing.add(
        String(0, 51 * mm, f"Weekly running distance ({data.unit.label})", fontName="Vera-Bold")
    )
    return drawing


def pain_chart(data: Timeline) -> Drawing | None:
    series = [(label, data.pain.get(key)) for key, label in PAIN_SERIES]
    present = [
        (label, values) for label, values in series if values and any(v is not None for v in values)
    ]
    if not present:
        return None
    drawing = Drawing(170 * mm, 62 * mm)
    chart = HorizontalLineChart()
    chart.x, chart.y = round(12 * mm), round(14 * mm)
    chart.width, chart.height = round(150 * mm), round(38 * mm)
    chart.data = [[v if v is not None else None for v in values] for _, values in present]
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 10, 2
    chart.valueAxis.labels.fontName = "Vera"
    chart.valueAxis.labels.fontSize = 7
    chart.categoryAxis.categoryNames = _week_labels(data)
    chart.categoryAxis.labels.fontName = "Vera"
    chart.categoryAxis.labels.fontSize = 7
    for i in range(len(present)):
        chart.lines[i].strokeColor = PAIN_COLOURS[i % len(PAIN_COLOURS)]
        chart.lines[i].strokeWidth = 1.5
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = round(12 * mm), round(5 * mm)
    legend.fontName, legend.fontSize = "Vera", 7
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.colorNamePairs = [
        (PAIN_COLOURS[i % len(PAIN_COLOURS)], label) for i, (label, _) in enumerate(present)
    ]
    drawing.add(legend)
    drawing.add(String(0, 58 * mm, "Worst knee pain each week (0-10)", fontName="Vera-Bold"))
    return drawing


def _weeks_table(data: Timeline) -> Table:
    rows = [
        [
            "Week of",
            f"Distance ({data.unit.label})",
            "Pain: run",
            "after",
            "next day",
            "Exercise days",
            "Self-help days",
        ]
    ]
    for row in data.week_rows[-WEEKS_IN_TABLE:]:
        rows.append(
            [
                row["week"].strftime("%-d %b %Y"),
                f"{row['load']:g}",
                *("-" if row[k] is None else str(row[k]) for k in ("during", "after", "morning")),
                str(row["exercise"]),
                str(row["self_help"]),
            ]
        )
    return _table(rows, [27 * mm, 25 * mm, 19 * mm, 15 * mm, 19 * mm, 25 * mm, 26 * mm])


def _note_flowables(view: NoteView, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    version = view.current
    parts: list[Flowable] = [
        Paragraph(
            f"{view.note.seen_on:%-d %b %Y}, {_text(view.note.author.display_name)}",
            styles["h3"],
        )
    ]
    fields = [
        ("History", version.history),
        ("Examination findings", version.examination),
        ("Working diagnosis", version.working_diagnosis),
        ("Plan", version.plan),
        ("Other notes", version.free_text),
    ]
    if version.imaging:
        imaging = f"{version.get_imaging_display()}, {version.get_imaging_status_display().lower()}"
        if version.imaging_result:
            imaging += f": {version.imaging_result}"
        fields.insert(2, ("Imaging", imaging))
    for label, value in fields:
        if value:
            parts.append(Paragraph(f"<b>{label}</b>: {_text(value)}", styles["body"]))
    return [KeepTogether(parts)]


def story(report: ReportInput) -> list[Flowable]:
    """What the report holds, in order (``build`` lays it out on A4 pages)."""
    _fonts()
    styles = _styles()
    data = report.data
    story: list[Flowable] = [
        Paragraph("Knee Clinic report", styles["small"]),
        Paragraph(_text(report.runner_name), styles["h1"]),
        Paragraph(
            " · ".join(_text(part) for part in (report.runner_email, report.sore_knee) if part),
            styles["body"],
        ),
        Paragraph(
            f"Printed {report.printed_at:%-d %b %Y, %H:%M} by {_text(report.printed_by)}",
            styles["small"],
        ),
        Spacer(0, 4 * mm),
        Paragraph("Summary", styles["h2"]),
        Paragraph(_text(data.summary), styles["body"]),
    ]
    for chart in (load_chart(data), pain_chart(data)):
        if chart is not None:
            story += [Spacer(0, 3 * mm), chart]
    story += [Paragraph(f"The last {WEEKS_IN_TABLE} weeks", styles["h2"]), _weeks_table(data)]
    if data.kujala:
        story.append(
            KeepTogether(
                [
                    Paragraph("Kujala scores (0-100, higher is better)", styles["h2"]),
                    _table(
                        [["Date", "Score"]]
                        + [
                            [day.strftime("%-d %b %Y"), f"{score}/100"]
                            for day, score in data.kujala
                        ],
                        [40 * mm, 30 * mm],
                    ),
                ]
            )
        )
    if data.plans:
        story.append(Paragraph("Return-to-run plans", styles["h2"]))
        rows: list[list[str | Paragraph]] = [["Plan", "From", "Stage", "Status"]]
        for plan in data.plans:
            rows.append(
                [
                    plan.template.name,
                    plan.start_date.strftime("%-d %b %Y"),
                    f"{plan.stage_index + 1} of {len(plan.template.stages)}",
                    plan.get_status_display(),
                ]
            )
        story.append(_table(rows, [70 * mm, 30 * mm, 25 * mm, 35 * mm]))
    if report.runs:
        story.append(Paragraph("Recent runs", styles["h2"]))
        run_rows: list[list[str | Paragraph]] = [["Date", "Name", "Distance", "Time", "Pace"]]
        for row in report.runs:
            run = row["run"]
            run_rows.append(
                [
                    run.start.strftime("%-d %b %Y"),
                    Paragraph(_text(run.name or "Run"), styles["cell"]),
                    row["distance"],
                    row["time"],
                    row["pace"],
                ]
            )
        story.append(_table(run_rows, [26 * mm, 62 * mm, 26 * mm, 22 * mm, 26 * mm]))
    story.append(Paragraph("Assessment notes", styles["h2"]))
    if report.notes:
        for view in report.notes:
            story += _note_flowables(view, styles)
    else:
        story.append(Paragraph("No assessment notes included.", styles["body"]))
    story += [Spacer(0, 6 * mm), Paragraph(DISCLAIMER, styles["small"])]
    return story


def build(report: ReportInput) -> bytes:
    """The report as PDF bytes."""
    flowables = story(report)
    buffer = io.BytesIO()
    title = f"Knee Clinic report: {report.runner_name}"

    def footer(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont("Vera", 7.5)
        canvas.setFillColor(colors.grey)
        canvas.drawString(18 * mm, 10 * mm, f"{report.runner_name}: Knee Clinic report")
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"Page {doc.page}")
        canvas.restoreState()

    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=title,
        author="Knee Clinic",
        invariant=True,
    )
    doc.build(flowables, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
