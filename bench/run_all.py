"""Run every benchmark (bench/bench_*.py) and write docs/benchmarks.md with the machine noted.

Each benchmark is a plain script that makes its own data (in a temporary folder, or under
./bench-data which git ignores), measures, and prints a Markdown section (starting with a "## "
heading) to standard output. Timings belong here, never in the tests.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "benchmarks.md"


def machine() -> str:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.0f} GiB memory"
    return (
        f"{os.cpu_count()} cores ({cpu}){memory}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}"
    )


MARK = "<!-- bench: {} -->"


def earlier_sections() -> dict[str, str]:
    """The sections of the page as it stands, by benchmark (each opens with its mark)."""
    if not OUT.exists():
        return {}
    found: dict[str, str] = {}
    for chunk in OUT.read_text().split("<!-- bench: ")[1:]:
        name, _, body = chunk.partition(" -->\n")
        found[name] = MARK.format(name) + "\n" + body.rstrip() + "\n"
    return found


def main() -> int:
    """Run the benchmarks named (all without names); keep the others' sections as they were."""
    only = set(sys.argv[1:])
    every = sorted((ROOT / "bench").glob("bench_*.py"))
    kept = earlier_sections() if only else {}
    sections: list[str] = []
    failed = 0
    for script in every:
        if only and script.stem not in only:
            if script.stem in kept:
                sections.append(kept[script.stem])
            continue
        print(f"running {script.name} ...", file=sys.stderr, flush=True)
        started = time.monotonic()
        result = subprocess.run(  # noqa: S603 (our own scripts with our own interpreter)
            [sys.executable, str(script)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        took = time.monotonic() - started
        mark = MARK.format(script.stem) + "\n"
        if result.returncode != 0:
            failed += 1
            sections.append(
                f"{mark}## {script.stem}\n\nFailed (exit {result.returncode}):\n\n```\n"
                f"{result.stderr[-2000:]}\n```\n"
            )
        else:
            sections.append(
                f"{mark}{result.stdout.strip()}\n\n"
                f"_(ran in {took:.0f} s, {datetime.now(tz=UTC):%Y-%m-%d %H:%M} UTC, on "
                f"{machine().split(';')[0]})_\n"
            )
    header = (
        "# Benchmarks\n\n"
        "Written by `make bench` (bench/run_all.py); do not edit by hand. `make bench` runs them\n"
        "all; `.venv/bin/python bench/run_all.py bench_decode` runs one and keeps the others'\n"
        "sections as they were (each section ends with when and on what it ran).\n\n"
        f"- Machine of the latest run: {machine()}\n\n"
        "Each figure is measured in one run on this machine; the machine is shared and noisy, so\n"
        "differences under about 10 % are noise.\n\n"
    )
    OUT.write_text(header + "\n".join(sections))
    print(f"wrote {OUT.relative_to(ROOT)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
