"""parse(name, data): the bytes decide the format, the name must agree, only ParseError escapes."""

from __future__ import annotations

import sys
import types
from datetime import UTC, datetime

import pytest

from kneeclinic.domain import parsers
from kneeclinic.domain.activity import Activity, ParseError, Sport
from kneeclinic.domain.parsers import parse
from kneeclinic.domain.parsers.limits import MB
from tests.domain.parsers.parser_builders import (
    TcxLap,
    gpx,
    gz,
    minute_points,
    tcx,
    tcx_activity,
    zip_bytes,
)

RUN_GPX = gpx([minute_points(3)])
RUN_TCX = tcx(tcx_activity([TcxLap("2024-06-01T07:00:00Z", 60.0, 200.0)]))
FIT_HEADER = bytes([14, 0x20, 0, 0, 0, 0, 0, 0]) + b".FIT" + b"\x00\x00"


class _Panic(BaseException):
    """Stands in for pyo3's PanicException, which derives from BaseException."""


def _fake_fit(monkeypatch: pytest.MonkeyPatch, behaviour: object) -> list[tuple[bytes, str]]:
    calls: list[tuple[bytes, str]] = []

    def parse_fit(data: bytes, name: str = "") -> list[Activity]:
        calls.append((data, name))
        if isinstance(behaviour, BaseException):
            raise behaviour
        assert isinstance(behaviour, list)
        return behaviour

    module = types.ModuleType("kneeclinic.domain.parsers.fit")
    module.parse_fit = parse_fit  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "kneeclinic.domain.parsers.fit", module)
    monkeypatch.setattr(parsers, "fit", module, raising=False)
    return calls


def _activity() -> Activity:
    return Activity(sport=Sport.RUNNING, start=datetime(2024, 6, 1, tzinfo=UTC), elapsed_s=60.0)


def test_it_reads_a_gpx_file() -> None:
    [run] = parse("morning.gpx", RUN_GPX)

    assert run.source_format == "gpx"


def test_it_reads_a_tcx_file_whatever_the_case_of_its_extension() -> None:
    [run] = parse("MORNING.TCX", RUN_TCX)

    assert run.distance_m == 200.0


def test_it_reads_a_gzipped_gpx_and_tcx() -> None:
    assert parse("a.gpx.gz", gz(RUN_GPX))[0].source_format == "gpx"
    assert parse("a.tcx.gz", gz(RUN_TCX))[0].source_format == "tcx"


def test_it_hands_fit_files_to_the_fit_decoder(monkeypatch: pytest.MonkeyPatch) -> None:
    activity = _activity()
    calls = _fake_fit(monkeypatch, [activity])

    assert parse("run.fit", FIT_HEADER) == [activity]
    assert parse("run.fit.gz", gz(FIT_HEADER)) == [activity]
    assert calls == [(FIT_HEADER, "run.fit"), (FIT_HEADER, "run.fit")]


def test_a_rust_panic_in_a_decoder_becomes_a_parse_error(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_fit(monkeypatch, _Panic("attempt to calculate the remainder with a divisor of zero"))

    with pytest.raises(ParseError, match="could not be read") as caught:
        parse("run.fit", FIT_HEADER)

    assert "_Panic: attempt to calculate" in str(caught.value)


@pytest.mark.parametrize(
    "error", [ValueError("size"), TypeError("x"), AssertionError(), KeyError(3), OSError("x")]
)
def test_any_library_error_becomes_a_parse_error(
    monkeypatch: pytest.MonkeyPatch, error: BaseException
) -> None:
    _fake_fit(monkeypatch, error)

    with pytest.raises(ParseError, match="may be damaged"):
        parse("run.fit", FIT_HEADER)


def test_running_out_of_memory_becomes_a_parse_error(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_fit(monkeypatch, MemoryError())

    with pytest.raises(ParseError, match="more memory"):
        parse("run.fit", FIT_HEADER)


def test_endless_recursion_becomes_a_parse_error(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_fit(monkeypatch, RecursionError())

    with pytest.raises(ParseError, match="nested too deeply"):
        parse("run.fit", FIT_HEADER)


@pytest.mark.parametrize("error", [KeyboardInterrupt(), SystemExit(1)])
def test_stopping_the_program_is_never_swallowed(
    monkeypatch: pytest.MonkeyPatch, error: BaseException
) -> None:
    _fake_fit(monkeypatch, error)

    with pytest.raises(type(error)):
        parse("run.fit", FIT_HEADER)


def test_a_decoder_that_finds_nothing_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_fit(monkeypatch, [])

    with pytest.raises(ParseError, match="holds no activity"):
        parse("run.fit", FIT_HEADER)


def test_an_empty_file_is_named_as_empty() -> None:
    with pytest.raises(ParseError, match="this file is empty"):
        parse("run.fit", b"")


def test_a_png_renamed_fit_is_named_as_an_image() -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(100)

    with pytest.raises(ParseError, match=r"this is a PNG image, not an activity file"):
        parse("run.fit", png)


def test_a_gpx_named_fit_is_refused_with_the_mismatch() -> None:
    with pytest.raises(ParseError, match=r"named \.fit but holds GPX data"):
        parse("run.fit", RUN_GPX)


def test_gzip_data_without_a_gz_name_is_refused() -> None:
    with pytest.raises(ParseError, match=r"named \.gpx but holds gzip-compressed data"):
        parse("run.gpx", gz(RUN_GPX))


def test_a_gz_name_over_plain_data_is_refused() -> None:
    with pytest.raises(ParseError, match=r"named \.gz but holds GPX data"):
        parse("run.gpx.gz", RUN_GPX)


def test_an_activity_under_an_unknown_extension_is_refused() -> None:
    with pytest.raises(ParseError, match="its name does not say so"):
        parse("run.xml", RUN_GPX)


def test_a_gzip_inside_a_gzip_is_refused() -> None:
    with pytest.raises(ParseError, match="compressed twice"):
        parse("run.gpx.gz", gz(gz(RUN_GPX)))


def test_a_zip_is_sent_to_the_archive_reader() -> None:
    with pytest.raises(ParseError, match="ZIP archive, not a single activity file"):
        parse("runs.zip", zip_bytes([("a.gpx", RUN_GPX)]))


def test_a_file_larger_than_any_activity_is_refused_before_reading() -> None:
    with pytest.raises(ParseError, match="up to 25 MB"):
        parse("run.gpx", b" " * (26 * MB))


def test_a_fit_file_over_its_own_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_fit(monkeypatch, [])
    big = FIT_HEADER + bytes(11 * MB)

    with pytest.raises(ParseError, match="FIT file is 11 MB; we accept up to 10 MB"):
        parse("run.fit", big)


def test_a_gzip_bomb_is_stopped_at_the_limit_of_the_inner_type() -> None:
    with pytest.raises(ParseError, match="more than 10 MB"):
        parse("run.fit.gz", gz(bytes(11 * MB)))
