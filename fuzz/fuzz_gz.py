"""Fuzz gzip-compressed activity files through our parse entry point (security plan T18).

The first byte of an input picks the name it is uploaded under (``.fit.gz``, ``.gpx.gz`` or
``.tcx.gz``); the rest is the file. Run ``python fuzz/fuzz_gz.py -max_total_time=60``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

import atheris  # type: ignore[import-untyped]

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fuzz.common import GZ_INNER, fit_runs, gpx_docs, gz_input, gz_seed, hostile, run, tcx_docs

with atheris.instrument_imports(include=["kneeclinic"]):
    import kneeclinic.domain.parsers
    import kneeclinic.domain.parsers.fit  # noqa: F401


def seeds() -> Iterator[bytes]:
    for data in islice(fit_runs(), 3):
        yield gz_seed(data, "fit")
    for data in gpx_docs():
        yield gz_seed(data, "gpx")
    for data in tcx_docs():
        yield gz_seed(data, "tcx")
    yield gz_seed(b"", "gpx")
    yield bytes([1]) + gz_seed(next(gpx_docs()), "gpx")[1:] * 2  # two members, one after another
    for name, data in hostile((".gz",)):
        inner = name.removesuffix(".gz").rsplit(".", 1)[-1]
        yield bytes([GZ_INNER.index(inner) if inner in GZ_INNER else 0]) + data


if __name__ == "__main__":
    run("gz", gz_input, seeds)
