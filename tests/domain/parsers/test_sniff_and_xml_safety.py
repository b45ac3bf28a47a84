"""File types come from their bytes, and XML is read without DTDs, entities or deep nesting."""

from __future__ import annotations

import defusedxml
import numpy as np
import pytest

from kneeclinic.domain.activity import ParseError, Sport, SubSport
from kneeclinic.domain.parsers import parse, xmlread
from kneeclinic.domain.parsers.gpx import parse_gpx
from kneeclinic.domain.parsers.sniff import Kind, describe, kind_from_name, sniff, xml_root_name
from kneeclinic.domain.parsers.tcx import parse_tcx
from kneeclinic.domain.parsers.track import (
    ascent_m,
    moving_time_s,
    nan_max,
    nan_mean,
    speed_mps,
    sport_from_label,
    step_distances_m,
    to_float,
)
from tests.domain.parsers.parser_builders import gpx, minute_points

GPX_HEAD = b'<gpx xmlns="http://www.topografix.com/GPX/1/1">'


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (bytes([14, 0x20, 0, 0, 0, 0, 0, 0]) + b".FIT" + b"\x00\x00", Kind.FIT),
        (bytes([12, 0x10, 0, 0, 0, 0, 0, 0]) + b".FIT", Kind.FIT),
        (b"\x1f\x8b\x08", Kind.GZIP),
        (b"PK\x03\x04rest", Kind.ZIP),
        (b"PK\x05\x06" + bytes(18), Kind.ZIP),
        (GPX_HEAD, Kind.GPX),
        (b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- made by hand -->\n<gpx>', Kind.GPX),
        ('<?xml version="1.0" encoding="UTF-16"?><gpx>'.encode("utf-16"), Kind.GPX),
        (b"<?xml version='1.0'?><TrainingCenterDatabase>", Kind.TCX),
        (b'<!DOCTYPE gpx [<!ENTITY a "b">]><gpx>', Kind.GPX),
        (b"<tcx:TrainingCenterDatabase xmlns:tcx='x'>", Kind.TCX),
        (b"<kml>", Kind.UNKNOWN),
        (b"PK\x07\x08", Kind.UNKNOWN),
        (b"garbage before PK\x03\x04", Kind.UNKNOWN),
        (b"", Kind.UNKNOWN),
    ],
)
def test_the_kind_comes_from_the_first_bytes(data: bytes, kind: Kind) -> None:
    assert sniff(data) is kind


def test_a_root_element_is_not_found_in_plain_text() -> None:
    assert xml_root_name(b"just some words") is None


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"", "an empty file"),
        (b"\x89PNG\r\n\x1a\n", "a PNG image"),
        (b"MZ\x90\x00", "a Windows program"),
        (b"%PDF-1.7", "a PDF document"),
        (b"  <!DOCTYPE html><html>", "a web page"),
        (b"<kml xmlns='x'>", "an XML document of another kind (<kml>)"),
        (b"\x00\x01\x02", "a file that is neither FIT, GPX nor TCX"),
    ],
)
def test_an_unreadable_file_is_described_in_words(data: bytes, what: str) -> None:
    assert describe(data) == what


@pytest.mark.parametrize(
    ("name", "kind", "rest"),
    [
        ("run.fit", Kind.FIT, "run"),
        ("folder/Run.FIT", Kind.FIT, "folder/Run"),
        ("run.fit.gz", Kind.GZIP, "run.fit"),
        ("export.zip", Kind.ZIP, "export"),
        ("notes.txt", Kind.UNKNOWN, "notes"),
        ("noextension", Kind.UNKNOWN, "noextension"),
        (".fit", Kind.UNKNOWN, ".fit"),
        ("dir.v2\\file", Kind.UNKNOWN, "dir.v2\\file"),
    ],
)
def test_the_extension_says_what_the_name_claims(name: str, kind: Kind, rest: str) -> None:
    assert kind_from_name(name) == (kind, rest)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE gpx [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<gpx><trk><name>&lol3;</name></trk></gpx>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE gpx [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>
<gpx><trk><name>&xxe;</name></trk></gpx>"""


@pytest.mark.parametrize("document", [BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_documents_with_a_dtd_are_refused_before_any_entity_is_expanded(document: bytes) -> None:
    with pytest.raises(ParseError, match="declares a document type"):
        parse("bomb.gpx", document)


def test_an_entity_declared_without_a_doctype_is_still_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # expat reports entity declarations only inside a DTD, so forbidding DTDs catches them
    # first; the entity guard stays as a second line of defence, checked here directly.
    def refuse(*args: object, **kwargs: object) -> object:
        raise defusedxml.EntitiesForbidden("a", None, None, None, None, None)

    monkeypatch.setattr(xmlread, "iterparse", refuse)

    with pytest.raises(ParseError, match="defines XML entities"):
        list(xmlread.events(b"<gpx/>", "GPX"))


def test_absurdly_deep_nesting_is_refused() -> None:
    document = GPX_HEAD + b"<extensions>" * 100_000 + b"</extensions>" * 100_000 + b"</gpx>"

    with pytest.raises(ParseError, match="more than 64 deep"):
        parse_gpx(document)


def test_malformed_xml_is_named_as_damaged_with_the_place() -> None:
    with pytest.raises(ParseError, match=r"not well-formed XML \(mismatched tag: line 1"):
        parse_tcx(b"<TrainingCenterDatabase><Activities></TrainingCenterDatabase>")


def test_invalid_utf8_is_named_as_damaged() -> None:
    bad = gpx([minute_points(2)]).replace(b"Morning", b"Mor\xffing")

    with pytest.raises(ParseError, match="not well-formed"):
        parse_gpx(bad)


def test_whitespace_before_the_xml_declaration_is_forgiven() -> None:
    [run] = parse_gpx(b"\n  " + gpx([minute_points(2)]))

    assert run.elapsed_s == 60.0


def test_a_utf16_gpx_is_read() -> None:
    text = gpx([minute_points(2)]).decode().replace('encoding="UTF-8"', 'encoding="UTF-16"')

    [run] = parse("a.gpx", text.encode("utf-16"))

    assert run.elapsed_s == 60.0


def test_sport_labels_map_to_sports() -> None:
    assert sport_from_label(" Run ") == (Sport.RUNNING, SubSport.GENERIC)
    assert sport_from_label("treadmill_running") == (Sport.RUNNING, SubSport.TREADMILL)
    assert sport_from_label(None) == (Sport.OTHER, SubSport.GENERIC)


def test_track_arithmetic_handles_short_and_empty_inputs() -> None:
    one = np.array([0.0])
    assert moving_time_s(one, one, one) == 0.0
    assert np.isnan(speed_mps(one, one)[0])
    assert ascent_m(np.array([5.0, np.nan])) is None
    assert ascent_m(None) is None
    assert nan_mean(None) is None
    assert nan_mean(np.array([np.nan])) is None
    assert nan_mean(np.array([0.0, 4.0]), positive_only=True) == 4.0
    assert nan_max(None) is None
    assert nan_max(np.array([np.nan])) is None
    assert np.isnan(to_float(None))
    assert np.isnan(to_float("abc"))
    assert np.isnan(to_float("inf"))
    assert to_float(" 2.5 ") == 2.5


def test_a_single_point_has_no_steps() -> None:
    assert step_distances_m(np.array([50.0]), np.array([0.0]), np.array([1.0])).tolist() == [0.0]


def test_an_unknown_character_encoding_is_named() -> None:
    document = gpx([minute_points(2)]).replace(b'encoding="UTF-8"', b'encoding="x-klingon"')

    with pytest.raises(ParseError, match="character encoding we do not know"):
        parse_gpx(document)


def test_a_doctype_too_long_to_see_past_is_described_as_such() -> None:
    document = b'<!DOCTYPE gpx [<!ENTITY big "' + b"A" * 100_000 + b'">]><gpx/>'

    with pytest.raises(ParseError, match="document type \\(DTD\\) is too long"):
        parse("bomb.gpx", document)


def test_undeclared_namespace_prefixes_are_declared_and_the_file_read() -> None:
    document = gpx([minute_points(3)], extension="cluetrust").replace(
        b' xmlns:gpxdata="http://www.cluetrust.com/XML/GPXDATA/1/0"', b""
    )
    document = document.replace(b"<trk>", b'<trk ext:source="phone">', 1)
    document = document.replace(
        b"<trkpt ", b"<trkpt><gpxdata:hr>150</gpxdata:hr></trkpt><trkpt ", 1
    )

    [run] = parse_gpx(document)

    assert run.elapsed_s == 120.0


def test_a_prefix_declared_only_elsewhere_cannot_be_repaired() -> None:
    document = b'<gpx xmlns="http://www.topografix.com/GPX/1/1"><a xmlns:p="urn:p"/><p:b/></gpx>'

    with pytest.raises(ParseError, match="unbound prefix"):
        parse_gpx(document)


def test_repair_leaves_documents_without_missing_prefixes_alone() -> None:
    assert xmlread.declare_unbound_prefixes(b"<gpx><trk/></gpx>") is None
