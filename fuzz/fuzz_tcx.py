"""Fuzz TCX files through our parse entry point (security plan T18).

Run ``python fuzz/fuzz_tcx.py -max_total_time=60``; the defaults are in ``fuzz/common.py``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import atheris  # type: ignore[import-untyped]

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fuzz.common import hostile, run, tcx_docs, tcx_input

with atheris.instrument_imports(include=["kneeclinic"]):
    import kneeclinic.domain.parsers
    import kneeclinic.domain.parsers.fit  # noqa: F401


def seeds() -> Iterator[bytes]:
    yield from tcx_docs()
    for _, data in hostile((".tcx",)):
        yield data


if __name__ == "__main__":
    run("tcx", tcx_input, seeds)
