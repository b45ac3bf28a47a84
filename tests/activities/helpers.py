"""Small builders for activity tests: FIT runs from our encoder, GPX copies, ZIP archives."""

from __future__ import annotations

import importlib
import io
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from kneeclinic.domain.activity import Activity
from kneeclinic.domain.fitwrite import encode_run

START = datetime(2026, 5, 1, 7, 0, tzinfo=UTC)


def fit_run(
    start: datetime = START, seconds: int = 600, speed: float = 3.0, **options: Any
) -> bytes:
    """A steady run heading north from the Thames: ``speed`` m/s, 150 bpm, 170 steps/min."""
    t = np.arange(seconds, dtype=np.float64)
    distance = t * speed
    return encode_run(
        start,
        t,
        distance,
        speed_mps=np.full(seconds, speed),
        heart_rate_bpm=np.full(seconds, 150.0),
        cadence_spm=np.full(seconds, 170.0),
        altitude_m=20 + 5 * np.sin(t / 60),
        latitude_deg=options.pop("latitude", 51.5 + distance / 111_000),
        longitude_deg=options.pop("longitude", -0.12 + 0.001 * np.sin(t / 90)),
        **options,
    )


def gpx_copy(
    start: datetime = START, seconds: int = 600, speed: float = 3.0, every: int = 5
) -> bytes:
    """The same run as a phone app's GPX (a point every ``every`` seconds)."""
    points = []
    for second in range(0, seconds, every):
        lat = 51.5 + second * speed / 111_000
        lon = -0.12 + 0.001 * np.sin(second / 90)
        when = (start + timedelta(seconds=second)).strftime("%Y-%m-%dT%H:%M:%SZ")
        points.append(f'<trkpt lat="{lat:.7f}" lon="{lon:.7f}"><time>{when}</time></trkpt>')
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<gpx version="1.1" creator="phone" xmlns="http://www.topografix.com/GPX/1/1">'
        "<trk><name>Phone run</name><type>running</type><trkseg>"
        + "".join(points)
        + "</trkseg></trk></gpx>"
    ).encode()


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


class InlineSandbox:
    """Parses in this process (the real worker is tested once; starting it costs seconds).

    It calls the worker's entry and its setup, as the worker would.
    """

    def __init__(
        self,
        *,
        entry: str = "kneeclinic.domain.parsers:parse",
        setup: bytes | None = None,
        **options: Any,
    ) -> None:
        module_name, _, function_name = entry.partition(":")
        self.module = importlib.import_module(module_name)
        self.entry = getattr(self.module, function_name)
        self.setup = setup

    def start(self, *, wait: bool = True) -> None:
        pass

    def __enter__(self) -> InlineSandbox:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        close = getattr(self.module, "close", None)
        if close is not None:
            close()

    def parse_many(self, files: Iterator[tuple[str, bytes]], **_: Any) -> Iterator[Any]:
        from kneeclinic.domain.activity import ParseError

        if self.setup is not None:
            self.module.setup(self.setup)
            self.setup = None
        for name, data in files:
            try:
                yield self.entry(name, data)
            except ParseError as error:
                yield error


def only(items: list[Activity]) -> Activity:
    assert len(items) == 1
    return items[0]
