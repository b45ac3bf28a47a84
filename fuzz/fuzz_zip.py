"""Fuzz ZIP archives through our archive reader and parse entry point (security plan T18).

Each input is opened with ``archive.expand`` as an upload named ``export.zip``; every member it
hands back as ready is parsed, as the importer does (see ``zip_input`` in ``fuzz/common.py``).
Run ``python fuzz/fuzz_zip.py -max_total_time=60``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import atheris  # type: ignore[import-untyped]

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fuzz.common import hostile, run, zip_archives, zip_input

with atheris.instrument_imports(include=["kneeclinic"]):
    import kneeclinic.domain.parsers
    import kneeclinic.domain.parsers.archive
    import kneeclinic.domain.parsers.fit  # noqa: F401


def seeds() -> Iterator[bytes]:
    yield from zip_archives()
    for _, data in hostile((".zip",)):
        yield data


if __name__ == "__main__":
    run("zip", zip_input, seeds)
