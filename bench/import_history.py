"""The full import benchmark (run by bench_decode.py): decode, import into SQLite, page times.

The import is timed ``ROUNDS`` times, each right after a bare decode of the same files with
our decoder, so that each ratio compares two runs under the same load (the machine may be
shared); the median ratio is the result. Python's bytecode is compiled first, as an installed
app has it, so that no run pays for compiling modules.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench-data"
EXPORT = DATA / "garmin-export-10y.zip"
FILES = DATA / "garmin-export-10y"
EMAIL = "bench@example.com"
PAGE_REPEATS = 10
GOAL_RATIO = 1.5
ROUNDS = 5


def ensure_history() -> list[Path]:
    """The export ZIP and its FIT files unpacked (made once; ./bench-data is not in git)."""
    from bench.make_history import history, write_garmin_export

    if not EXPORT.exists():
        DATA.mkdir(exist_ok=True)
        partial = EXPORT.with_suffix(".partial")
        write_garmin_export(partial, history(10, 42))
        partial.replace(EXPORT)
    if not FILES.exists():
        unpacking = FILES.with_suffix(".partial")
        shutil.rmtree(unpacking, ignore_errors=True)
        unpacking.mkdir(parents=True)
        with zipfile.ZipFile(EXPORT) as outer:
            for info in outer.infolist():
                if info.filename.endswith(".zip"):
                    with outer.open(info) as part, zipfile.ZipFile(part) as inner:
                        inner.extractall(unpacking)
        unpacking.replace(FILES)
    return sorted(FILES.glob("*.fit"))


def cli(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own command with our own interpreter
        [sys.executable, "-m", "kneeclinic.cli", *args],
        env=env, input=stdin, capture_output=True, text=True, check=True,
    )  # fmt: skip


def import_export(data_dir: Path) -> tuple[float, float, float, dict[str, int]]:
    """Wall seconds, processor seconds (with its parse workers) and peak memory (MB, largest
    process) of ``kneeclinic import`` of the ZIP, and its counts."""
    env = {**os.environ, "KNEECLINIC_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}
    cli(env, "migrate", "-v0")
    cli(env, "createuser", EMAIL, "--password-stdin", stdin="bench-password-1234\n")
    began = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603 - our own command with our own interpreter
        [sys.executable, "-m", "kneeclinic.cli", "import", str(EXPORT), "--user", EMAIL, "--json"],
        env=env, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None  # noqa: S101 - asked for above
    output = process.stdout.read()
    # the import and its parse worker only (the rusage of this child and its own children)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - began
    if status != 0:
        raise SystemExit(f"kneeclinic import failed with status {status}")
    peak_mb = usage.ru_maxrss / 1024
    report = json.loads(output)
    counts = {key: report[key] for key in ("imported", "duplicates", "failed")}
    return seconds, usage.ru_utime + usage.ru_stime, peak_mb, counts


def page_times(data_dir: Path, email: str = EMAIL) -> dict[str, float]:
    """Median milliseconds of the Runs list (first and a deep page) and of one run's page."""
    os.environ["KNEECLINIC_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kneeclinic.settings")
    os.environ["KNEECLINIC_ALLOWED_HOSTS"] = "testserver"
    os.environ["KNEECLINIC_TESTING"] = "1"  # static files without a collected manifest
    import django

    django.setup()
    from django.test import Client

    from kneeclinic.accounts.models import User
    from kneeclinic.activities.models import Activity

    client = Client()
    runner = User.objects.get(email=email)
    client.force_login(runner)
    longest = (
        Activity.objects.filter(runner=runner, distance_m__isnull=False)
        .order_by("-distance_m")
        .first()
    )
    if longest is None or longest.distance_m is None:
        raise SystemExit("the import left no runs")
    urls = {
        "Runs list, first page": "/runs/",
        "Runs list, page 30": "/runs/?page=30",
        "Runs list, name search": "/runs/?q=morning",
        f"Run page (longest run, {longest.distance_m / 1000:.0f} km)": f"/runs/{longest.code}/",
    }
    out = {}
    for label, url in urls.items():
        timings = []
        for _ in range(PAGE_REPEATS):
            began = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - began) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")
        out[label] = statistics.median(timings)
    return out


def worker_stages() -> dict[str, float]:
    """Processor seconds of each part of the parse workers' work, over every file in turn in
    this one process (the import splits the same work between its two workers)."""
    import dataclasses
    import hashlib
    import pickle

    from kneeclinic.activities import prepare, streams
    from kneeclinic.domain.parsers import archive
    from kneeclinic.domain.parsers.fit import parse_fit

    with EXPORT.open("rb") as stream:
        refs = [m.ref for m in archive.iter_members(EXPORT.name, stream, lazy=True) if m.ref]
    spent = dict.fromkeys(STAGES, 0.0)

    def timed(stage: str, began: float) -> float:
        now = time.process_time()
        spent[stage] += now - began
        return now

    with EXPORT.open("rb") as stream:
        reader = archive.MemberReader(stream)
        for ref in refs:
            began = time.process_time()
            data = reader.read(ref)
            began = timed(STAGES[0], began)
            hashlib.sha256(data).hexdigest()
            began = timed(STAGES[1], began)
            activities = parse_fit(data)
            began = timed(STAGES[2], began)
            for item in activities:
                ready = prepare.prepared(dataclasses.replace(item, samples=None))
                began = timed(STAGES[5], began)
                blob = streams.pack(item.samples) if item.samples is not None else b""
                began = timed(STAGES[3], began)
                cadence = prepare.cadence_of(item.samples)
                began = timed(STAGES[4], began)
                ready = prepare.encoded(dataclasses.replace(ready, blob=blob, cadence=cadence))
                began = timed(STAGES[5], began)
                pickle.dumps(prepare.Read("", [ready]), protocol=5)
                timed(STAGES[6], began)
    return spent


def worker_stages_as_run() -> dict[str, float]:
    """``worker_stages`` in a child process with the parse workers' environment (they keep
    freed memory between files, for one, and that is set when a process starts)."""
    from kneeclinic.activities.sandbox import WORKER_ENVIRONMENT

    child = subprocess.run(
        [sys.executable, "-c", "import json; from bench.import_history import worker_stages; "
         "print(json.dumps(worker_stages()))"],
        env={**os.environ, **WORKER_ENVIRONMENT, "PYTHONPATH": str(ROOT)},
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    stages: dict[str, float] = json.loads(child.stdout)
    return stages


STAGES = (
    "reading each file from the export (inflating, CRC)",
    "hashing each file (SHA-256)",
    "decoding (the bare decode's work)",
    "packing the streams",
    "cadence figures",
    "summary and laps, laps and histograms as JSON",
    "pickling the reply",
)


def compile_bytecode() -> None:
    """Compile the app and its libraries once (Python may be told not to write bytecode).

    In a child process: compileall's own worker processes are forked from the caller, and
    would write out this script's buffered output a second time.
    """
    folders = [str(ROOT / "kneeclinic"), sysconfig.get_paths()["purelib"]]
    subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-m", "compileall", "-q", "-j0", *folders],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
    )  # fmt: skip


def whole_run(fitdecode_sample: int) -> None:
    from bench.bench_decode import compare_decoders, run_child

    paths = ensure_history()
    compile_bytecode()
    fit_bytes = sum(p.stat().st_size for p in paths)
    print("## Importing a ten-year Garmin export (FIT decode and end to end)\n")
    print(
        f"A generated ten-year history (bench/make_history.py, seed 42): {len(paths):,} FIT files, "
        f"{fit_bytes / 1e6:.0f} MB of FIT in a {EXPORT.stat().st_size / 1e6:.0f} MB Garmin Connect "
        "style ZIP (nested part ZIPs). The decoders run on one core each; the import uses "
        "two parse workers beside its own process.\n"
    )
    print("### (a) Bare decode of every file\n")
    decoders = compare_decoders(paths, fitdecode_sample)
    rounds: list[tuple[float, float, float, float, float, dict[str, int]]] = []
    data_dirs: list[Path] = []
    try:
        for _ in range(ROUNDS):
            decoded = run_child("kneeclinic", paths)
            data_dirs.append(Path(tempfile.mkdtemp(prefix="kneeclinic-bench-import-")))
            seconds, cpu, peak_mb, counts = import_export(data_dirs[-1])
            bare, bare_cpu = decoded["seconds"], decoded["cpu_seconds"]
            rounds.append((seconds, bare, cpu, bare_cpu, peak_mb, counts))
        print(f"\n### (b) `kneeclinic import` of the ZIP into SQLite ({ROUNDS} rounds)\n")
        print(
            "Each round decodes every file with our decoder alone (bare), then imports the ZIP "
            "into a fresh database. Wall clock, and processor time (the import's with its "
            "parse workers): on a shared machine the wall clock ratio follows the load, the "
            "processor time ratio much less.\n"
        )
        print(
            "| round | bare decode | import | ratio | bare decode, CPU | import, CPU | CPU ratio "
            "| peak memory |"
        )
        print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for number, (seconds, bare, cpu, bare_cpu, peak_mb, _) in enumerate(rounds, 1):
            print(
                f"| {number} | {bare:.1f} s | {seconds:.1f} s | {seconds / bare:.2f}x "
                f"| {bare_cpu:.1f} s | {cpu:.1f} s | {cpu / bare_cpu:.2f}x | {peak_mb:.0f} MB |"
            )
        seconds = statistics.median(r[0] for r in rounds)
        ratio = statistics.median(r[0] / r[1] for r in rounds)
        cpu_ratio = statistics.median(r[2] / r[3] for r in rounds)
        counts = rounds[-1][5]
        fitdecode_s = decoders["fitdecode"]["all_seconds"]
        print()
        rows = [
            ("files imported / duplicates / failed",
             f"{counts['imported']:,} / {counts['duplicates']} / {counts['failed']}"),
            ("wall time (median)", f"{seconds:.1f} s"),
            ("throughput",
             f"{fit_bytes / seconds / 1e6:.1f} MB/s of FIT, {len(paths) / seconds:.0f} files/s"),
            ("ratio to the bare decode of the same round (median)",
             f"**{ratio:.2f}x** (goal {GOAL_RATIO}x or less)"),
            ("processor time ratio (median)", f"{cpu_ratio:.2f}x"),
            (f"fitdecode's bare decode alone ({fitdecode_s:.0f} s, est.) / our import",
             f"**{fitdecode_s / seconds:.1f}x** (goal 10x or more)"),
        ]  # fmt: skip
        print("| what | value |\n| --- | ---: |")
        for label, value in rows:
            print(f"| {label} | {value} |")
        print(
            "\nThe import includes starting the command, walking both ZIP levels' directories "
            "with every check of the upload policy, hashing and storing the upload, reading, "
            "inflating and hashing each file and parsing it in two resource-limited worker "
            "processes that also pack each run's streams and work out its cadence (reading "
            "ahead while the importer writes), and writing in batches of up to 100 files, one "
            "transaction each (outcome rows, activities, compressed streams, laps, cadence, "
            "shoes, counts), with the duplicate checks."
        )
        stages = worker_stages_as_run()
        total = sum(stages.values())
        print("\n### Where the parse workers' time goes\n")
        print(
            "Processor time of the workers' work on every file of the export, run in one "
            "process with the workers' environment, one file after another (the import shares "
            "it between two workers, each with a core when the machine is otherwise idle). "
            "Beside it, the importing process starts Python and Django, stores and walks the "
            "upload and writes the rows.\n"
        )
        print("| part | processor time | share |\n| --- | ---: | ---: |")
        for stage, spent in stages.items():
            print(f"| {stage} | {spent:.2f} s | {spent / total:.0%} |")
        print(f"| **all** | **{total:.2f} s** | |")
        print("\n### (c) Pages with that history loaded (median of 10, in process, no network)\n")
        print("| page | median |\n| --- | ---: |")
        for label, ms in page_times(data_dirs[-1]).items():
            print(f"| {label} | {ms:.0f} ms |")
    finally:
        for data_dir in data_dirs:
            shutil.rmtree(data_dir, ignore_errors=True)
