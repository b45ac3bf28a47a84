"""Parsing in a worker process: same results, reused worker, and every failure a ParseError."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kneeclinic.activities.sandbox import ParseSandbox, parse_in_sandbox
from kneeclinic.domain.activity import Activity, ParseError
from kneeclinic.domain.parsers import parse
from kneeclinic.domain.parsers.archive import MemberStatus, expand

TARGETS = "tests.activities.sandbox_targets"

RUN = (
    b'<?xml version="1.0"?><gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1">'
    b"<trk><name>Easy</name><type>running</type><trkseg>"
    + b"".join(
        f'<trkpt lat="{50 + i * 0.001}" lon="0">'
        f"<time>2024-06-01T07:{i:02d}:00Z</time></trkpt>".encode()
        for i in range(30)
    )
    + b"</trkseg></trk></gpx>"
)


def test_it_returns_what_the_parser_returns_in_process() -> None:
    with ParseSandbox() as sandbox:
        [run] = sandbox.parse("easy.gpx", RUN)

    [expected] = parse("easy.gpx", RUN)
    assert (run.name, run.start, run.elapsed_s) == (
        expected.name,
        expected.start,
        expected.elapsed_s,
    )
    assert run.distance_m == expected.distance_m
    assert run.samples is not None and expected.samples is not None
    assert run.samples.latitude_deg is not None and expected.samples.latitude_deg is not None
    assert run.samples.latitude_deg.tolist() == expected.samples.latitude_deg.tolist()


def test_one_worker_serves_a_whole_batch_including_refused_files() -> None:
    with ParseSandbox() as sandbox:
        sandbox.parse("a.gpx", RUN)
        worker = sandbox.pid
        with pytest.raises(ParseError, match="PNG image"):
            sandbox.parse("photo.fit", b"\x89PNG\r\n\x1a\n" + bytes(50))
        sandbox.parse("b.gpx", RUN)

        assert sandbox.pid == worker
    assert sandbox.pid is None


def test_an_endless_loop_is_stopped_by_the_cpu_limit_and_the_next_file_gets_a_new_worker() -> None:
    with ParseSandbox(entry=f"{TARGETS}:spin", cpu_seconds=1, wall_seconds=30) as sandbox:
        with pytest.raises(ParseError, match="more than 1 seconds of processing time"):
            sandbox.parse("loop.fit", b"x")
        assert sandbox.pid is None


def test_a_file_that_takes_too_long_is_stopped_by_the_wall_clock() -> None:
    with ParseSandbox(entry=f"{TARGETS}:sleep", wall_seconds=0.5) as sandbox:
        sandbox.start()

        with pytest.raises(ParseError, match=r"took longer than 0\.5 seconds"):
            sandbox.parse("slow.fit", b"x")
        assert sandbox.pid is None


def test_a_worker_that_cannot_start_is_a_parse_error() -> None:
    with (
        ParseSandbox(entry=f"{TARGETS}:no_such_function") as sandbox,
        pytest.raises(ParseError, match="could not start"),
    ):
        sandbox.parse("a.fit", b"x")


def test_running_out_of_memory_is_a_parse_error() -> None:
    with ParseSandbox(entry=f"{TARGETS}:hog_memory") as sandbox:
        with pytest.raises(ParseError, match="needs more memory"):
            sandbox.parse("big.fit", b"x")
        worker = sandbox.pid
        with pytest.raises(ParseError, match="needs more memory"):
            sandbox.parse("big.fit", b"x")
        assert sandbox.pid == worker  # the worker survives a MemoryError


def test_a_crashing_reader_is_a_parse_error() -> None:
    with (
        ParseSandbox(entry=f"{TARGETS}:crash") as sandbox,
        pytest.raises(ParseError, match="crashed on this file"),
    ):
        sandbox.parse("bad.fit", b"x")


def test_a_reader_that_exits_is_a_parse_error() -> None:
    with (
        ParseSandbox(entry=f"{TARGETS}:leave") as sandbox,
        pytest.raises(ParseError, match=r"stopped unexpectedly \(exit status 3\)"),
    ):
        sandbox.parse("bad.fit", b"x")


def test_an_unexpected_error_is_a_parse_error_naming_it() -> None:
    with (
        ParseSandbox(entry=f"{TARGETS}:fail") as sandbox,
        pytest.raises(ParseError, match=r"could not be read \(ValueError: cannot handle bad.fit\)"),
    ):
        sandbox.parse("bad.fit", b"x")


def test_prints_in_the_worker_do_not_disturb_the_replies() -> None:
    with ParseSandbox(entry=f"{TARGETS}:echo") as sandbox:
        assert sandbox.parse("caf\u00e9.fit", b"12345") == ["caf\u00e9.fit", 5]


def test_the_shared_sandbox_parses_one_file_at_a_time() -> None:
    [first] = parse_in_sandbox("a.gpx", RUN)
    [second] = parse_in_sandbox("b.gpx", RUN)

    assert first.distance_m == second.distance_m


def test_closing_twice_is_harmless() -> None:
    sandbox = ParseSandbox()
    sandbox.close()
    sandbox.close()


def test_a_batch_comes_back_in_order_while_the_worker_reads_ahead() -> None:
    files = [(f"{i}.fit", bytes(i)) for i in range(6)]

    with ParseSandbox(entry=f"{TARGETS}:echo") as sandbox:
        outcomes = list(sandbox.parse_many(files, ahead=3))

    assert outcomes == [[f"{i}.fit", i] for i in range(6)]


def test_files_larger_than_the_pipe_pass_through_whole() -> None:
    big = bytes(range(256)) * (12 * 1024 * 16)  # 48 MB, more than any pipe holds at once

    with ParseSandbox(entry=f"{TARGETS}:echo") as sandbox:
        outcomes = list(sandbox.parse_many([("a.gpx", big), ("b.gpx", big)]))

    assert outcomes == [["a.gpx", len(big)], ["b.gpx", len(big)]]


def test_a_crash_in_a_batch_fails_only_that_file() -> None:
    files = [("ok1", b"a"), ("crash", b"b"), ("ok2", b"cc"), ("ok3", b"ddd")]

    with ParseSandbox(entry=f"{TARGETS}:picky") as sandbox:
        outcomes = list(sandbox.parse_many(files, ahead=3))

    assert outcomes[0] == ["ok1", 1]
    assert isinstance(outcomes[1], ParseError)
    assert "crashed" in str(outcomes[1])
    assert outcomes[2:] == [["ok2", 2], ["ok3", 3]]


def test_a_hang_in_a_batch_fails_only_that_file() -> None:
    files = [("hang", b"b"), ("ok", b"cc")]

    with ParseSandbox(entry=f"{TARGETS}:picky", wall_seconds=0.5) as sandbox:
        sandbox.start()
        outcomes = list(sandbox.parse_many(files))

    assert isinstance(outcomes[0], ParseError)
    assert outcomes[1] == ["ok", 2]


def test_stopping_a_batch_early_discards_the_replies_still_due() -> None:
    files = [(f"{i}.fit", b"x") for i in range(5)]

    with ParseSandbox(entry=f"{TARGETS}:echo") as sandbox:
        batch = sandbox.parse_many(files, ahead=3)
        assert next(batch) == ["0.fit", 1]
        batch.close()

        assert sandbox.parse("next.fit", b"yy") == ["next.fit", 2]


CORPUS = Path(
    os.environ.get(
        "KNEECLINIC_CORPUS",
        Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "activities",
    )
)


def _summary(outcome: list[Activity] | Exception) -> object:
    if isinstance(outcome, Exception):
        return str(outcome)
    return [(a.sport, a.start, a.distance_m, a.elapsed_s, a.avg_cadence_spm) for a in outcome]


@pytest.mark.corpus
def test_every_corpus_file_reads_the_same_in_the_sandbox_as_in_process() -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"the shared activity corpus is not available at {CORPUS}")
    files: list[tuple[str, bytes]] = []
    for path in sorted(
        p for p in CORPUS.rglob("*") if p.is_file() and p.suffix not in {".md", ".tsv"}
    ):
        try:
            members = expand(path.name, path.read_bytes())
        except ParseError:
            continue
        files += [(m.name, m.data) for m in members if m.status is MemberStatus.READY and m.data]
    expected: list[object] = []
    for name, data in files:
        try:
            expected.append(_summary(parse(name, data)))
        except ParseError as exc:
            expected.append(_summary(exc))

    with ParseSandbox() as sandbox:
        found = [_summary(outcome) for outcome in sandbox.parse_many(files)]

    assert len(files) > 100
    assert found == expected


def test_a_worker_started_early_gets_its_setup_before_the_first_file() -> None:
    import hashlib

    from kneeclinic.activities.prepare import Read, file_request

    with ParseSandbox(entry="kneeclinic.activities.prepare:prepare_member", setup=b"") as sandbox:
        sandbox.start(wait=False)  # loads while the caller gets ready
        sandbox.setup = hashlib.sha256(RUN).hexdigest().encode()
        [known, other] = list(
            sandbox.parse_many([("a.gpx", file_request(RUN)), ("b.gpx", file_request(RUN + b" "))])
        )

    assert isinstance(known, Read) and known.known and known.activities == []
    assert isinstance(other, Read) and not other.known and len(other.activities) == 1


def test_import_workers_started_early_are_handed_over_once() -> None:
    from kneeclinic.activities import sandbox
    from kneeclinic.activities.prepare import Read, file_request

    sandbox.start_import_workers_early()
    sandbox.start_import_workers_early()  # once is enough
    early = sandbox.take_early_workers()
    try:
        assert len(early) == sandbox.IMPORT_WORKERS
        assert all(box.pid is not None and box.entry == sandbox.IMPORT_ENTRY for box in early)
        assert len({box.pid for box in early}) == sandbox.IMPORT_WORKERS
        assert sandbox.take_early_workers() == []  # handed over: the caller closes them
        [read] = list(early[0].parse_many([("a.gpx", file_request(RUN))]))
        assert isinstance(read, Read) and len(read.activities) == 1
    finally:
        for box in early:
            box.close()
    assert all(box.pid is None for box in early)


def test_a_worker_runs_single_threaded_and_keeps_freed_memory_for_the_next_file() -> None:
    with ParseSandbox(entry=f"{TARGETS}:environment") as sandbox:
        assert sandbox.parse("OMP_NUM_THREADS", b"") == ["1"]  # type: ignore[comparison-overlap]
        assert sandbox.parse("MALLOC_TRIM_THRESHOLD_", b"") == [str(64 * 1024 * 1024)]  # type: ignore[comparison-overlap]
