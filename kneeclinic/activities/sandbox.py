"""Parse untrusted activity files in a separate, resource-limited worker process.

The web process never decodes an upload itself. A worker process (started once and reused
for a whole batch, so a 2,500-file import does not pay 2,500 start-ups) reads each file with
``kneeclinic.domain.parsers.parse`` under these limits (docs/limits.md):

* ``RLIMIT_AS`` 1 GB of address space: a memory blow-up ends in ``MemoryError``, not in
  the machine swapping;
* ``RLIMIT_CPU`` 30 s of processor time per file (the soft limit is moved on before each
  file): an endless loop is ended by the kernel;
* a wall-clock timeout of 60 s per file, enforced by the parent, which kills the worker.

Any crash, limit or timeout becomes a ``ParseError`` with a plain reason, and the next file
gets a fresh worker. Files go to the worker as raw bytes over a pipe (an import's workers get
a ZIP's files as where they lie in the stored upload, and read them themselves: ``prepare``);
activities come back pickled (dataclasses holding numpy arrays, fast to pass). The worker runs
our own code only, with the same user rights as the app: the limits contain resource abuse,
not code execution. A worker may be given setup data once, before its first file.

Run as ``python -m kneeclinic.activities.sandbox ENTRY MEMORY_BYTES CPU_SECONDS`` it is the
worker itself; it talks only through its standard input and output.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import importlib
import itertools
import os
import pickle
import selectors
import signal
import struct
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterable
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:  # the worker must not load numpy before its limits and settings are in place
    from kneeclinic.domain.activity import Activity, ParseError

MEMORY_LIMIT_BYTES = 1024 * 1024 * 1024
CPU_LIMIT_S = 30
WALL_TIMEOUT_S = 60.0
DEFAULT_ENTRY = "kneeclinic.domain.parsers:parse"
PIPE_BYTES = 1024 * 1024  # a typical FIT file, or several replies, fit in a pipe
START_TIMEOUT_S = 60.0  # for the worker to start and load the parsers

_REQUEST = struct.Struct(">II")  # name length, data length
_REPLY = struct.Struct(">cQ")  # status, payload length
_OK, _FAILED, _READY = b"O", b"F", b"R"
WORKER_ENVIRONMENT = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "RAYON_NUM_THREADS": "1",
    "PYTHONDONTWRITEBYTECODE": "1",
    # glibc gave freed memory back to the system after nearly every file, and took it again
    # for the next: 100,000 page faults over a ten-year export, a tenth of the workers'
    # processor time. Up to 64 MB freed is kept for the next file (within the 1 GB limit).
    "MALLOC_TRIM_THRESHOLD_": str(64 * 1024 * 1024),
}
"""What a worker runs with, beside the caller's environment: one thread, and memory kept."""


def _parse_error(message: str) -> ParseError:
    from kneeclinic.domain.activity import ParseError

    return ParseError(message)


class ParseSandbox:
    """A reusable worker process that parses one file at a time under resource limits.

    Use it as a context manager for a batch; it starts its worker on the first file and
    replaces it after a crash or a timeout. Not thread-safe: one batch, one sandbox.
    """

    def __init__(
        self,
        *,
        memory_bytes: int = MEMORY_LIMIT_BYTES,
        cpu_seconds: int = CPU_LIMIT_S,
        wall_seconds: float = WALL_TIMEOUT_S,
        entry: str = DEFAULT_ENTRY,
        setup: bytes | None = None,
    ) -> None:
        self.memory_bytes = memory_bytes
        self.cpu_seconds = cpu_seconds
        self.wall_seconds = wall_seconds
        self.entry = entry
        # given to the entry module's ``setup`` by every worker started (what it is may be
        # set until the worker is first asked something)
        self.setup = setup
        self._process: subprocess.Popen[bytes] | None = None
        self._outgoing = bytearray()  # request bytes the worker has not taken yet
        self._received = bytearray()  # reply bytes read ahead of the reply asked for
        self._selector: selectors.BaseSelector | None = None  # the current worker's pipes
        self._writing = False  # the worker's input is watched for room to write
        self._handed = 0  # requests given to the current worker and not yet answered
        self._ready = False  # the current worker said it is ready

    def __enter__(self) -> ParseSandbox:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def pid(self) -> int | None:
        """The worker's process id, while one is running."""
        return self._process.pid if self._process is not None else None

    def parse(self, name: str, data: bytes) -> list[Activity]:
        """The activities in one file, read in the worker (raises ParseError otherwise)."""
        outcome = next(self.parse_many([(name, data)], ahead=1))
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def parse_many(
        self, files: Iterable[tuple[str, bytes]], *, ahead: int = 2
    ) -> Generator[list[Activity] | ParseError, None, None]:
        """Each file's activities, or its ParseError, in order, read while the caller works.

        Up to ``ahead`` files are handed to the worker before their results are asked for,
        so that it reads the next file while the caller stores the last one. A crash or a
        timeout fails only the file being read; the files after it go to a fresh worker.
        """
        source = iter(files)
        waiting: deque[bytes] = deque()  # requests whose replies are due, oldest first
        exhausted = False
        try:
            while True:
                while not exhausted and len(waiting) < max(ahead, 1):
                    item = next(source, None)
                    if item is None:
                        exhausted = True
                    else:
                        waiting.append(_request(*item))
                if not waiting:
                    return
                outcome = self._next_reply(waiting)
                waiting.popleft()
                yield outcome
        finally:
            if waiting:  # the caller stopped early: discard the worker and its pending replies
                self._stop(kill=True)

    def _next_reply(self, waiting: deque[bytes]) -> list[Activity] | ParseError:
        """The reply to ``waiting[0]``, handing the worker the requests it has not had yet."""
        process = self.start()
        for request in itertools.islice(waiting, self._handed, None):
            self._outgoing += request
        self._handed = len(waiting)
        try:
            deadline = time.monotonic() + self.wall_seconds
            status, length = _REPLY.unpack(self._take(process, _REPLY.size, deadline))
            payload = self._take(process, length, deadline)
        except TimeoutError:
            self._stop(kill=True)
            return _parse_error(
                f"reading this file took longer than {self.wall_seconds:g} seconds, so we "
                "stopped; it may be damaged or far too large"
            )
        except (EOFError, OSError):
            code = self._stop(kill=True)
            return _parse_error(self._crash_reason(code))
        self._handed -= 1
        if status == _OK:
            activities: list[Activity] = pickle.loads(payload)  # noqa: S301 - our own worker's reply on its private pipe  # nosec B301
            return activities
        return _parse_error(payload.decode("utf-8", errors="replace"))

    def _take(self, process: subprocess.Popen[bytes], size: int, deadline: float) -> bytes:
        """The next ``size`` reply bytes, writing pending requests whenever the worker takes
        them. A read takes all the pipe holds (often several replies): the rest waits here."""
        stdin, stdout = _pipes(process)
        if self._selector is None:
            self._selector = selectors.DefaultSelector()
            self._selector.register(stdout.fileno(), selectors.EVENT_READ)
        selector = self._selector
        while len(self._received) < size:
            if self._outgoing and not self._writing:
                selector.register(stdin.fileno(), selectors.EVENT_WRITE)
                self._writing = True
            left = deadline - time.monotonic()
            ready = selector.select(left) if left > 0 else []
            if not ready:
                raise TimeoutError
            for key, _ in ready:
                if key.fd == stdout.fileno():
                    chunk = os.read(key.fd, PIPE_BYTES)
                    if not chunk:
                        raise EOFError
                    self._received += chunk
                else:
                    with contextlib.suppress(BlockingIOError):
                        del self._outgoing[: os.write(key.fd, self._outgoing[: 1 << 20])]
                    if not self._outgoing:
                        selector.unregister(key.fd)
                        self._writing = False
        taken = bytes(self._received[:size])
        del self._received[:size]
        return taken

    def close(self) -> None:
        """Stop the worker (it finishes on end of input; it is killed if it does not)."""
        self._stop(kill=False)

    def start(self, *, wait: bool = True) -> subprocess.Popen[bytes]:
        """The running worker, started (and waited for until ready) when there is none.

        ``wait=False`` only starts it, so that it loads while the caller gets ready (several
        workers load at once); it is waited for when it is first asked something.
        """
        if self._process is not None and self._process.poll() is None:
            if wait and not self._ready:
                self._wait_ready(self._process)
            return self._process
        self._stop(kill=True)
        root = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ, **WORKER_ENVIRONMENT)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH", "")]))
        command = [
            sys.executable,
            "-m",
            "kneeclinic.activities.sandbox",
            self.entry,
            str(self.memory_bytes),
            str(self.cpu_seconds),
            *(["setup"] if self.setup is not None else []),
        ]
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, cwd=root
        )
        self._process = process
        stdin, stdout = _pipes(process)
        os.set_blocking(stdin.fileno(), False)
        # Linux: room for a whole file one way, and for several replies the other, so that
        # the worker reads on while the caller is busy writing what it had.
        for pipe in (stdin, stdout):
            with contextlib.suppress(AttributeError, OSError):
                fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        self._ready = False
        if wait:
            self._wait_ready(process)
        return process

    def _wait_ready(self, process: subprocess.Popen[bytes]) -> None:
        try:
            ready = _read_exact(_pipes(process)[1], 1, time.monotonic() + START_TIMEOUT_S)
        except (TimeoutError, EOFError, OSError):
            ready = b""
        if ready != _READY:
            self._stop(kill=True)
            raise _parse_error("the file reader could not start; please try again later")
        self._ready = True
        if self.setup is not None:  # the first request, answered by no reply
            self._outgoing += _request("", self.setup)

    def _stop(self, *, kill: bool) -> int | None:
        process, self._process = self._process, None
        self._outgoing = bytearray()
        self._received = bytearray()
        if self._selector is not None:
            self._selector.close()
            self._selector = None
        self._writing = False
        self._handed = 0
        if process is None:
            return None
        stdin, stdout = _pipes(process)
        if kill:
            process.kill()
        with contextlib.suppress(OSError):  # a dead worker leaves a broken pipe to close
            stdin.close()
        try:
            code = process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            code = process.wait()
        stdout.close()
        return code

    def _crash_reason(self, code: int | None) -> str:
        if code in (-signal.SIGXCPU, -signal.SIGKILL):
            return (
                f"reading this file used more than {self.cpu_seconds} seconds of processing "
                "time (or all the memory we allow), so we stopped; it may be damaged"
            )
        if code is not None and code < 0:
            return "the file reader crashed on this file; it may be damaged"
        return f"the file reader stopped unexpectedly (exit status {code}); it may be damaged"


def _request(name: str, data: bytes) -> bytes:
    encoded = name.encode("utf-8", errors="replace")
    return _REQUEST.pack(len(encoded), len(data)) + encoded + data


def _pipes(process: subprocess.Popen[bytes]) -> tuple[IO[bytes], IO[bytes]]:
    if process.stdin is None or process.stdout is None:  # pragma: no cover - always piped
        raise RuntimeError("the sandbox worker was started without pipes")
    return process.stdin, process.stdout


def _read_exact(stream: IO[bytes], size: int, deadline: float) -> bytes:
    """Exactly ``size`` bytes from a pipe, or TimeoutError at ``deadline``, or EOFError."""
    chunks: list[bytes] = []
    remaining = size
    descriptor = stream.fileno()
    with selectors.DefaultSelector() as selector:
        selector.register(descriptor, selectors.EVENT_READ)
        while remaining:
            left = deadline - time.monotonic()
            if left <= 0 or not selector.select(left):
                raise TimeoutError
            chunk = os.read(descriptor, min(remaining, 1 << 20))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            remaining -= len(chunk)
    return b"".join(chunks)


_shared: ParseSandbox | None = None
_shared_lock = threading.Lock()

IMPORT_ENTRY = "kneeclinic.activities.prepare:prepare_member"
"""The entry of an import's parse workers: read a file, hash it, parse and prepare it."""
IMPORT_WORKERS = 2 if (os.cpu_count() or 1) > 1 else 1
"""Parse workers per import: parsing is most of an import's work, and it splits by file."""
_early: list[ParseSandbox] = []


def start_import_workers_early() -> None:
    """Start an import's parse workers before anything else (the ``import`` command does,
    before Django is set up): they load on the other cores meanwhile, and
    ``take_early_workers`` hands them over. Those never taken are stopped at exit."""
    if _early:
        return
    for _ in range(IMPORT_WORKERS):
        box = ParseSandbox(entry=IMPORT_ENTRY, setup=b"")
        box.start(wait=False)
        _early.append(box)
    atexit.register(_stop_early)


def take_early_workers() -> list[ParseSandbox]:
    """The import workers started early (none if none were), now the caller's to close."""
    boxes = _early[:]
    _early.clear()
    return boxes


def _stop_early() -> None:
    while _early:
        _early.pop().close()


def parse_in_sandbox(name: str, data: bytes) -> list[Activity]:
    """The activities in one file, parsed in a shared, reused sandbox worker.

    Raises ParseError for anything that cannot be read, including crashes and timeouts.
    Callers are served one at a time; a batch import should hold its own ParseSandbox.
    """
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = ParseSandbox()
            atexit.register(_shared.close)
        return _shared.parse(name, data)


# --- the worker ---------------------------------------------------------------------------


def _serve(
    entry: str, memory_bytes: int, cpu_seconds: int, setup: bool
) -> None:  # pragma: no cover
    """The worker's loop: read a request, parse it under the limits, write the reply.

    With ``setup``, the first request's data goes to the entry module's ``setup`` function
    (what the parent wants every worker to know, such as files to skip), without a reply.
    """
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    # Our replies own the real standard output; stray prints go to standard error.
    reply = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    requests = sys.stdin.buffer
    module_name, _, function_name = entry.partition(":")
    module = importlib.import_module(module_name)
    parse: Callable[[str, bytes], object] = getattr(module, function_name)
    from kneeclinic.domain.activity import ParseError

    reply.write(_READY)
    reply.flush()
    if setup:
        header = requests.read(_REQUEST.size)
        if len(header) < _REQUEST.size:
            return
        name_length, data_length = _REQUEST.unpack(header)
        requests.read(name_length)
        module.setup(requests.read(data_length))
    while True:
        header = requests.read(_REQUEST.size)
        if len(header) < _REQUEST.size:
            return
        name_length, data_length = _REQUEST.unpack(header)
        name = requests.read(name_length).decode("utf-8", errors="replace")
        data = requests.read(data_length)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        used = int(usage.ru_utime + usage.ru_stime) + 1
        hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
        soft = used + cpu_seconds
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
        try:
            status, payload = _OK, pickle.dumps(parse(name, data), protocol=5)
        except ParseError as exc:
            status, payload = _FAILED, str(exc).encode()
        except MemoryError:
            status, payload = _FAILED, b"this file needs more memory to read than we allow"
        except Exception as exc:
            message = f"this file could not be read ({type(exc).__name__}: {exc})"[:300]
            status, payload = _FAILED, message.encode()
        reply.write(_REPLY.pack(status, len(payload)) + payload)
        reply.flush()


if __name__ == "__main__":  # pragma: no cover - run in the worker process
    _serve(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:] == ["setup"])
    # Python's last collections would walk every object loaded, while the import waits
    # for its workers to end: they are left to the operating system (as in ``cli.main``).
    import gc

    gc.freeze()
