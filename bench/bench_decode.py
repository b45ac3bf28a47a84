"""FIT decoding and the whole import, on a generated ten-year Garmin export.

``python bench/bench_decode.py`` (as ``make bench`` runs it) writes the history once under
./bench-data (about 2,200 FIT files, 1-second records, in a Garmin Connect style ZIP), then
measures in one run: (a) the bare decode of every file with each decoder, (b) our end-to-end
``kneeclinic import`` of the ZIP into a fresh SQLite database, and (c) the Runs list and a run
page with that history loaded. ``python bench/bench_decode.py FOLDER`` only compares decoders on
a folder of FIT files. Each decoder runs in its own child process (so peak memory is its own)
over the same files, already in memory; fitdecode is slow, so it decodes an even sample of the
files and its time for all of them is extrapolated from that sample. Prints Markdown.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

DECODERS = ("kneeclinic", "fitfast", "fitdecode")


def files_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() == ".fit")


def decode_all(decoder: str, paths: list[Path]) -> dict[str, float]:
    """Decode every file with ``decoder``; return bytes, records, failures and seconds."""
    blobs = [p.read_bytes() for p in paths]
    decode = _decoder(decoder)
    records = failures = 0
    began, cpu_began = time.perf_counter(), time.process_time()
    for blob in blobs:
        try:
            records += decode(blob)
        except BaseException as exc:  # fitfast panics derive from BaseException
            if isinstance(exc, KeyboardInterrupt):
                raise
            failures += 1
    seconds = time.perf_counter() - began
    cpu_seconds = time.process_time() - cpu_began
    return {
        "files": len(blobs),
        "bytes": sum(len(b) for b in blobs),
        "records": records,
        "failures": failures,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
    }


def _decoder(name: str):  # type: ignore[no-untyped-def]
    if name == "kneeclinic":
        from kneeclinic.domain.parsers.fit import parse_fit

        return lambda blob: sum(len(a.samples) for a in parse_fit(blob) if a.samples is not None)
    if name == "fitfast":
        import fitfast

        def with_fitfast(blob: bytes) -> int:
            columns = fitfast.records(blob)
            for field in ("distance", "heart_rate", "cadence", "enhanced_speed", "position_lat"):
                columns.get(field)
            return len(columns.get("timestamp", ()))

        return with_fitfast
    import io

    import fitdecode

    def with_fitdecode(blob: bytes) -> int:
        count = 0
        with fitdecode.FitReader(io.BytesIO(blob)) as reader:
            for frame in reader:
                if isinstance(frame, fitdecode.FitDataMessage) and frame.name == "record":
                    for field in (
                        "distance",
                        "heart_rate",
                        "cadence",
                        "enhanced_speed",
                        "position_lat",
                    ):
                        frame.get_value(field, fallback=None)
                    count += 1
        return count

    return with_fitdecode


def run_child(decoder: str, paths: list[Path]) -> dict[str, float]:
    listing = "\n".join(str(p) for p in paths)
    process = subprocess.Popen(  # noqa: S603 - our own script
        [sys.executable, __file__, "--child", decoder],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    out, _ = process.communicate(listing)
    result: dict[str, float] = json.loads(out)  # the child reports its own peak memory
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, nargs="?")
    parser.add_argument("--fitdecode-sample", type=int, default=150)
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        import resource

        paths = [Path(line) for line in sys.stdin.read().splitlines() if line]
        result = decode_all(args.child, paths)
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return
    if args.folder is not None:
        paths = files_in(args.folder)
        if not paths:
            parser.error(f"no FIT files under {args.folder}")
        compare_decoders(paths, args.fitdecode_sample)
        return
    from bench.import_history import whole_run  # the full benchmark of make bench

    whole_run(args.fitdecode_sample)


def compare_decoders(paths: list[Path], fitdecode_sample: int) -> dict[str, dict[str, float]]:
    """Print the decoder table; return each decoder's figures (seconds scaled to all files)."""
    rows = []
    for decoder in DECODERS:
        chosen = paths
        if decoder == "fitdecode" and 0 < fitdecode_sample < len(paths):
            step = len(paths) / fitdecode_sample
            chosen = [paths[int(i * step)] for i in range(fitdecode_sample)]
        rows.append((decoder, run_child(decoder, chosen)))
    fastest = max(r["bytes"] / r["seconds"] for _, r in rows)
    print(f"{len(paths)} FIT files, {sum(p.stat().st_size for p in paths) / 1e6:.1f} MB.\n")
    print(
        "| decoder | files | failed | MB/s | records/s | peak RSS (MB) | time for all files (s) |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    total_bytes = sum(p.stat().st_size for p in paths)
    for decoder, r in rows:
        rate = r["bytes"] / r["seconds"]
        print(
            f"| {decoder} | {int(r['files'])} | {int(r['failures'])} | {rate / 1e6:.1f} "
            f"| {r['records'] / r['seconds']:,.0f} | {r['peak_rss_mb']:.0f} "
            f"| {total_bytes / rate:.1f}{' (est.)' if r['files'] < len(paths) else ''} |"
        )
    print(f"\nFastest bare decode: {fastest / 1e6:.1f} MB/s.")
    return {
        decoder: {**r, "all_seconds": total_bytes / (r["bytes"] / r["seconds"])}
        for decoder, r in rows
    }


if __name__ == "__main__":
    main()
