"""Tell what a file holds from its first bytes, and what its name claims it holds.

Neither a browser's content type nor a file name is trusted: the bytes decide, and the
name's extension must agree with them.
"""

from __future__ import annotations

import enum
import re

SNIFF_BYTES = 64 * 1024  # how far into an XML file we look for its root element


class Kind(enum.StrEnum):
    """The kinds of file the importer tells apart."""

    FIT = "fit"
    GPX = "gpx"
    TCX = "tcx"
    GZIP = "gzip"
    ZIP = "zip"
    UNKNOWN = "unknown"


# Extensions we accept, lower case, for single files.
EXTENSION_KINDS: dict[str, Kind] = {
    ".fit": Kind.FIT,
    ".gpx": Kind.GPX,
    ".tcx": Kind.TCX,
    ".gz": Kind.GZIP,
    ".zip": Kind.ZIP,
}

# Well-known signatures of files people upload by mistake, to name them in the message.
_OTHER_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a Linux program"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"BZh", "a bzip2 archive"),
    (b"\xd0\xcf\x11\xe0", "an Office document"),
)

_XML_PREAMBLE = re.compile(
    r"""\A(?:\s+|<\?.*?\?>|<!--.*?-->|<!DOCTYPE(?:[^\[>]|\[.*?\])*>)*""", re.DOTALL
)
_ROOT_TAG = re.compile(r"<\s*(?:[A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)")


def sniff(data: bytes) -> Kind:
    """The kind of file ``data`` is, from its signature (never from its name)."""
    if len(data) >= 12 and data[0] in (12, 14) and data[8:12] == b".FIT":
        return Kind.FIT
    if data[:2] == b"\x1f\x8b":
        return Kind.GZIP
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return Kind.ZIP
    root = xml_root_name(data)
    if root == "gpx":
        return Kind.GPX
    if root == "TrainingCenterDatabase":
        return Kind.TCX
    return Kind.UNKNOWN


def xml_root_name(data: bytes) -> str | None:
    """The local name of an XML document's root element, read from a bounded prefix."""
    head = data[:SNIFF_BYTES]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head.decode("utf-16", errors="ignore")
    else:
        text = head.decode("utf-8", errors="ignore")
    text = text.lstrip("\ufeff")
    preamble = _XML_PREAMBLE.match(text)
    rest = text[preamble.end() if preamble else 0 :]
    match = _ROOT_TAG.match(rest)
    return match.group(1) if match else None


def describe(data: bytes) -> str:
    """A few words saying what an unreadable file seems to be, for an error message."""
    if not data:
        return "an empty file"
    for signature, what in _OTHER_SIGNATURES:
        if data.startswith(signature):
            return what
    head = data[:SNIFF_BYTES].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return "a web page"
    root = xml_root_name(data)
    if root is not None:
        return f"an XML document of another kind (<{root}>)"
    if b"<!DOCTYPE" in head.upper() or b"<!ENTITY" in head.upper():
        return "an XML document whose document type (DTD) is too long to accept"
    return "a file that is neither FIT, GPX nor TCX"


def kind_from_name(name: str) -> tuple[Kind, str]:
    """What the name's extension claims, and the name without that extension.

    ``run.fit.gz`` gives ``(GZIP, "run.fit")``; an unknown extension gives ``UNKNOWN``.
    """
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    dot = base.rfind(".")
    if dot <= 0:
        return Kind.UNKNOWN, name
    extension = base[dot:].lower()
    kind = EXTENSION_KINDS.get(extension, Kind.UNKNOWN)
    return kind, name[: len(name) - len(extension)]
