"""Safe, streaming XML reading for GPX and TCX: no DTDs, no entities, bounded depth."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from xml.etree.ElementTree import Element
from xml.etree.ElementTree import ParseError as XmlSyntaxError

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import iterparse

from kneeclinic.domain.activity import Activity, ParseError
from kneeclinic.domain.parsers.limits import MAX_XML_DEPTH

_LEADING_SPACE_BEFORE_DECLARATION = re.compile(rb"\A(?:\xef\xbb\xbf)?[ \t\r\n]+(?=<\?xml)")
_NAME = rb"[A-Za-z_][\w.\-]*"
_PREFIXED_TAG = re.compile(rb"</?(" + _NAME + rb"):[A-Za-z_]")
_PREFIXED_ATTRIBUTE = re.compile(rb"\s(" + _NAME + rb"):" + _NAME + rb"\s*=")
_DECLARED_PREFIX = re.compile(rb"xmlns:(" + _NAME + rb")\s*=")
_FIRST_ELEMENT = re.compile(rb"<" + _NAME + rb"(?::" + _NAME + rb")?")


class UnboundPrefixError(ParseError):
    """The document uses a namespace prefix it never declared (some exporters do)."""


def local(tag: str) -> str:
    """An element's name without its namespace: ``{http://...}trkpt`` gives ``trkpt``."""
    return tag.rpartition("}")[2]


def events(data: bytes, what: str) -> Iterator[tuple[str, Element]]:
    """``("start"|"end", element)`` pairs of a document, refusing DTDs and entities.

    ``what`` names the format ("GPX", "TCX") in error messages. Whitespace before the XML
    declaration, which some exporters write and strict parsers reject, is dropped first.
    """
    data = _LEADING_SPACE_BEFORE_DECLARATION.sub(b"", data, count=1)
    depth = 0
    try:
        for event, element in iterparse(
            io.BytesIO(data),
            events=("start", "end"),
            forbid_dtd=True,
            forbid_entities=True,
            forbid_external=True,
        ):
            if event == "start":
                depth += 1
                if depth > MAX_XML_DEPTH:
                    raise ParseError(
                        f"this {what} file nests its elements more than {MAX_XML_DEPTH} deep, "
                        f"which no real {what} file does"
                    )
            else:
                depth -= 1
            yield event, element
    except DTDForbidden:
        raise ParseError(
            f"this {what} file declares a document type (DTD); we refuse those for safety"
        ) from None
    except (EntitiesForbidden, ExternalReferenceForbidden):
        raise ParseError(
            f"this {what} file defines XML entities; we refuse those for safety"
        ) from None
    except LookupError as exc:
        raise ParseError(
            f"this {what} file declares a character encoding we do not know ({exc})"
        ) from None
    except XmlSyntaxError as exc:
        error = UnboundPrefixError if str(exc).startswith("unbound prefix") else ParseError
        raise error(
            f"this {what} file is damaged: it is not well-formed XML ({exc}); "
            "it may be cut short or edited by hand"
        ) from None


def declare_unbound_prefixes(data: bytes) -> bytes | None:
    """The document with its undeclared namespace prefixes declared on the root element.

    Strava and other exporters have written GPX files using ``gpxdata:`` or ``gpxx:`` without
    declaring them. Declaring each missing prefix (as a namespace of its own) makes the file
    well-formed without changing any value in it. None when there is nothing to declare.
    """
    used = set(_PREFIXED_TAG.findall(data)) | set(_PREFIXED_ATTRIBUTE.findall(data))
    missing = sorted(used - set(_DECLARED_PREFIX.findall(data)) - {b"xml", b"xmlns"})
    root = _FIRST_ELEMENT.search(data)
    if not missing or root is None:
        return None
    declarations = b"".join(b' xmlns:%s="urn:x-undeclared:%s"' % (p, p) for p in missing)
    return data[: root.end()] + declarations + data[root.end() :]


def with_prefix_repair(reader: Callable[[bytes], list[Activity]], data: bytes) -> list[Activity]:
    """``reader(data)``, retried once with undeclared namespace prefixes declared."""
    try:
        return reader(data)
    except UnboundPrefixError:
        repaired = declare_unbound_prefixes(data)
        if repaired is None:
            raise
        return reader(repaired)
