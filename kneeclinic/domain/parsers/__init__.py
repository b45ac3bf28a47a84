"""The one entry point for reading an activity file: ``parse(name, data)``.

FIT, GPX and TCX files, and any of them gzipped, are told apart by their bytes; the name's
extension must agree. Whatever goes wrong inside a decoder (a library's own error, a
``ValueError``, a Rust panic that derives from ``BaseException``) comes out as a
``ParseError`` whose message a runner can act on. Archives are opened by ``archive.expand``,
which hands each member back to ``parse``.
"""

from __future__ import annotations

from kneeclinic.domain.activity import Activity, ParseError
from kneeclinic.domain.parsers.archive import gunzip
from kneeclinic.domain.parsers.gpx import parse_gpx
from kneeclinic.domain.parsers.limits import MAX_ACTIVITY_BYTES, MAX_FIT_BYTES, MAX_XML_BYTES, MB
from kneeclinic.domain.parsers.sniff import Kind, describe, kind_from_name, sniff
from kneeclinic.domain.parsers.tcx import parse_tcx

__all__ = ["ParseError", "parse"]

_READABLE = "we read .fit, .gpx and .tcx files, each also as .gz, and ZIP archives of them"
_SIZE_LIMITS = {Kind.FIT: MAX_FIT_BYTES, Kind.GPX: MAX_XML_BYTES, Kind.TCX: MAX_XML_BYTES}
_NOT_CAUGHT = (KeyboardInterrupt, SystemExit, GeneratorExit)


def parse(name: str, data: bytes) -> list[Activity]:
    """The activities in one file (usually one; multi-sport TCX files give several).

    Raises ParseError, and only ParseError, for anything that cannot be read.
    """
    try:
        return _parse(name, data, inside_gzip=False)
    except ParseError:
        raise
    except _NOT_CAUGHT:
        raise
    except MemoryError:
        raise ParseError(
            "this file needs more memory to read than we allow; it may be damaged"
        ) from None
    except RecursionError:
        raise ParseError("this file is nested too deeply to read; it may be damaged") from None
    except BaseException as exc:  # a decoder's own errors, including Rust panics
        detail = f"{type(exc).__name__}: {exc}"[:160]
        raise ParseError(
            f"this file could not be read: it may be damaged or written in a way we do not "
            f"support ({detail})"
        ) from exc


def _parse(name: str, data: bytes, inside_gzip: bool) -> list[Activity]:
    if not data:
        raise ParseError("this file is empty")
    if len(data) > MAX_ACTIVITY_BYTES:
        raise ParseError(
            f"this file is {len(data) / MB:.0f} MB; we accept activity files up to "
            f"{MAX_ACTIVITY_BYTES // MB} MB"
        )
    claimed, inner_name = kind_from_name(name)
    actual = sniff(data)
    if actual is Kind.UNKNOWN:
        raise ParseError(f"this is {describe(data)}, not an activity file; {_READABLE}")
    if actual is Kind.ZIP:
        raise ParseError("this is a ZIP archive, not a single activity file; upload it as one")
    if actual is Kind.GZIP:
        if inside_gzip:
            raise ParseError("this file is compressed twice; unpack it once and upload it again")
        if claimed is not Kind.GZIP:
            raise ParseError(_mismatch(name, claimed, actual))
        inner_claim, _ = kind_from_name(inner_name)
        limit = _SIZE_LIMITS.get(inner_claim, MAX_ACTIVITY_BYTES)
        return _parse(inner_name, gunzip(data, limit), inside_gzip=True)
    if claimed is not actual:
        raise ParseError(_mismatch(name, claimed, actual))
    limit = _SIZE_LIMITS[actual]
    if len(data) > limit:
        raise ParseError(
            f"this {actual.value.upper()} file is {len(data) / MB:.0f} MB; we accept up to "
            f"{limit // MB} MB for one activity"
        )
    activities = _decode(actual, name, data)
    if not activities:
        raise ParseError("this file holds no activity")
    return activities


def _decode(kind: Kind, name: str, data: bytes) -> list[Activity]:
    if kind is Kind.FIT:
        # Imported here so that GPX and TCX work without the FIT decoder loaded.
        from kneeclinic.domain.parsers.fit import parse_fit

        return parse_fit(data, name)
    if kind is Kind.GPX:
        return parse_gpx(data, name)
    return parse_tcx(data, name)


def _mismatch(name: str, claimed: Kind, actual: Kind) -> str:
    what = {Kind.GZIP: "gzip-compressed data"}.get(actual, f"{actual.value.upper()} data")
    if claimed is Kind.UNKNOWN:
        return f"this file holds {what} but its name does not say so; {_READABLE}"
    extension = ".gz" if claimed is Kind.GZIP else f".{claimed.value}"
    return (
        f"this file is named {extension} but holds {what}; rename it to match, or export it again"
    )
