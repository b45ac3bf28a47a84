"""Fuzz GPX files through our parse entry point (security plan T18).

Run ``python fuzz/fuzz_gpx.py -max_total_time=60``; the defaults are in ``fuzz/common.py``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import atheris  # type: ignore[import-untyped]

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fuzz.common import gpx_docs, gpx_input, hostile, run

with atheris.instrument_imports(include=["kneeclinic"]):
    import kneeclinic.domain.parsers
    import kneeclinic.domain.parsers.fit  # noqa: F401


def seeds() -> Iterator[bytes]:
    yield from gpx_docs()
    for _, data in hostile((".gpx",)):
        yield data


if __name__ == "__main__":
    run("gpx", gpx_input, seeds)
