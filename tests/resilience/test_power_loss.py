"""T31, power loss: as T30, but each kill also drops every write the disk was not made to keep.

The data folder sits on LazyFS, a FUSE file system with its own page cache that loses what was
not fsynced when told ``lazyfs::clear-cache`` (a simulated power cut). With SQLite's
``synchronous=FULL`` (the default) every acknowledged pain entry must survive, exactly once.

It needs /dev/fuse, ``fusermount3`` (Debian's fuse3) and a LazyFS build (``lazyfs`` on the PATH,
or ``KNEECLINIC_LAZYFS`` naming the binary); without them it skips and records why.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability import record, scale
from tests.resilience import durability_helpers as h

pytestmark = pytest.mark.slow

CONFIG = """[faults]
fifo_path="{fifo}"

[cache]
apply_eviction=false

[cache.simple]
custom_size="1gb"
blocks_per_page=1
"""


def missing_tools() -> str:
    """Why LazyFS cannot run here ("" when it can)."""
    if not Path("/dev/fuse").exists():
        return "/dev/fuse is not available (FUSE is off in this machine or container)"
    if shutil.which("fusermount3") is None:
        return "fusermount3 is not installed (Debian package fuse3)"
    if lazyfs_binary() is None:
        return "LazyFS is not built (set KNEECLINIC_LAZYFS to its lazyfs binary)"
    return ""


def lazyfs_binary() -> str | None:
    return os.environ.get("KNEECLINIC_LAZYFS") or shutil.which("lazyfs")


@contextlib.contextmanager
def lazyfs_mount() -> Iterator[tuple[Path, Path]]:
    """A LazyFS mount over a scratch folder: (mount point, fault FIFO)."""
    scratch = Path(tempfile.mkdtemp(prefix="kneeclinic-lazyfs-"))
    root, mount, fifo = scratch / "root", scratch / "mount", scratch / "faults.fifo"
    root.mkdir()
    mount.mkdir()
    (scratch / "config.toml").write_text(CONFIG.format(fifo=fifo))
    binary = lazyfs_binary()
    assert binary is not None
    process = subprocess.Popen(
        [binary, str(mount), "--config-path", str(scratch / "config.toml"),
         "-o", "allow_other", "-o", "modules=subdir", "-o", f"subdir={root}", "-f"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        h.wait_for(lambda: os.path.ismount(mount) and fifo.exists(), 30, "LazyFS to mount")
        yield mount, fifo
    finally:
        subprocess.run(["fusermount3", "-uz", str(mount)], check=False)
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(scratch, ignore_errors=True)


def test_t31_acknowledged_writes_survive_power_cuts_with_synchronous_full(
    request: pytest.FixtureRequest,
) -> None:
    reason = missing_tools()
    if reason:
        record("T31", "skipped", reason, "0 lost acknowledged writes under LazyFS", False)
        pytest.skip(f"T31 needs LazyFS: {reason}")
    request.getfixturevalue("db")  # the template database is copied from the test database
    cuts = scale(3, 20)
    with lazyfs_mount() as (mount, fifo):
        install = h.new_install(h.migrated_template(), data_dir=mount / "data")
        try:
            server, url = h.start_web(install)
            tokens: list[str] = install.script(
                f"""
                from kneeclinic.accounts import services
                from kneeclinic.core import tokens
                result = []
                for number in range({h.PAIN_CLIENTS}):
                    runner = services.create_user(f"client{{number}}@example.com", None)
                    result.append(tokens.create_token(runner, "t31", scope="write")[1])
                """
            )
            h.wait_until_serving(install, server, url)
            ledger, stop = h.Ledger(), threading.Event()
            give_up: list[float] = []
            clients = [
                threading.Thread(
                    target=h.pain_client,
                    args=(n, url, tokens[n], stop, give_up, ledger),
                    daemon=True,
                )
                for n in range(h.PAIN_CLIENTS)
            ]
            for thread in clients:
                thread.start()
            for _ in range(cuts):
                time.sleep(1.0)
                h.kill_group(server)
                fifo.write_text("lazyfs::clear-cache\n")  # the power cut: unsynced data is gone
                time.sleep(0.5)
                server = h.restart_web(install, url)
                h.wait_until_serving(install, server, url)
            time.sleep(1.0)
            stop.set()
            give_up.append(time.monotonic() + 60)
            for thread in clients:
                thread.join(timeout=70)
            h.kill_group(server)
            fifo.write_text("lazyfs::clear-cache\n")
            stored: dict[str, list[str]] = {}
            for note, code in install.sql("SELECT note, code FROM symptoms_painentry"):
                stored.setdefault(note, []).append(str(uuid.UUID(code)))
            lost = [w for w in ledger.acked if w not in stored]
            doubled = [w for w, codes in stored.items() if len(codes) > 1]
            integrity = install.integrity()
            record("T31", "power cuts", cuts, f"{cuts}", True)
            record("T31", "acknowledged writes", len(ledger.acked), "", True)
            record("T31", "lost acknowledged writes (synchronous=FULL)", len(lost), "0", not lost)
            record("T31", "duplicated writes", len(doubled), "0", not doubled)
            record("T31", "integrity_check", integrity, "ok", integrity == "ok")
            assert ledger.acked and not lost and not doubled
            assert integrity == "ok"
        finally:
            install.stop_all()
