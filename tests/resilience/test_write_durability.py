"""T30, acknowledged-write durability (Jepsen-lite): a write the API acknowledged survives a kill.

8 clients (each a runner with a read-and-write token) record pain entries through the API, each
write with its own ``Idempotency-Key``, and retry a write until it is acknowledged. A nemesis
SIGKILLs the whole server process group (gunicorn's master and workers, as `kneeclinic serve`
starts them) every 0.5 to 2 s of serving and starts it again on the same data. At the end every
acknowledged write exists exactly once, with the code the acknowledgement gave; a write never
acknowledged exists at most once; and SQLite's ``integrity_check`` is ok. SQLite runs with
``synchronous=FULL``, the default.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability import record, scale
from tests.resilience import durability_helpers as h

pytestmark = pytest.mark.slow

CLIENTS = h.PAIN_CLIENTS
RETRY_FOR_S = 60.0  # after the last kill, how long a client keeps retrying its last write


@pytest.fixture
def install(db: None) -> Iterator[h.Install]:
    made = h.new_install(h.migrated_template())
    yield made
    h.remove_install(made)


def test_sqlite_is_durable_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    from kneeclinic.settings import sqlite_database

    monkeypatch.delenv("KNEECLINIC_SQLITE_SYNCHRONOUS", raising=False)
    options = sqlite_database(Path("kneeclinic.sqlite3"))["OPTIONS"]
    assert "PRAGMA synchronous=FULL" in options["init_command"]  # type: ignore[index]
    assert options["transaction_mode"] == "IMMEDIATE"  # type: ignore[index]


def test_t30_every_acknowledged_write_survives_kills_of_the_whole_server_exactly_once(
    install: h.Install,
) -> None:
    kills = scale(5, 50)
    rng = random.Random(30)
    server, url = h.start_web(install)  # starts while the runners are made
    tokens: list[str] = install.script(
        f"""
        from kneeclinic.accounts import services
        from kneeclinic.core import tokens
        result = []
        for number in range({CLIENTS}):
            runner = services.create_user(f"client{{number}}@example.com", None)
            result.append(tokens.create_token(runner, "t30", scope="write")[1])
        """
    )
    h.wait_until_serving(install, server, url)
    ledger, stop = h.Ledger(), threading.Event()
    give_up: list[float] = []  # when set, the moment clients stop retrying
    clients = [
        threading.Thread(
            target=h.pain_client, args=(n, url, tokens[n], stop, give_up, ledger), daemon=True
        )
        for n in range(CLIENTS)
    ]
    started = time.monotonic()
    for thread in clients:
        thread.start()
    acks_at_kill: list[int] = []
    for _ in range(kills):
        time.sleep(rng.uniform(0.5, 2.0))
        acks_at_kill.append(len(ledger.acked))
        h.kill_group(server)
        server = h.restart_web(install, url)
        h.wait_until_serving(install, server, url)
    time.sleep(1.0)  # serve a moment after the last restart
    stop.set()
    give_up.append(time.monotonic() + RETRY_FOR_S)
    for thread in clients:
        thread.join(timeout=RETRY_FOR_S + 10)
    assert not any(thread.is_alive() for thread in clients)
    h.kill_group(server)  # one more kill, after the last acknowledgement
    elapsed = time.monotonic() - started

    rows = install.sql("SELECT note, code FROM symptoms_painentry")
    stored: dict[str, list[str]] = {}
    for note, code in rows:
        stored.setdefault(note, []).append(str(uuid.UUID(code)))
    lost = [w for w in ledger.acked if w not in stored]
    doubled = [w for w, codes in stored.items() if len(codes) > 1]
    wrong_code = [w for w, code in ledger.acked.items() if w in stored and stored[w] != [code]]
    strangers = set(stored) - set(ledger.acked) - ledger.unacked
    integrity = install.integrity()

    record("T30", "server kills", kills, f"{kills}", True)
    record("T30", "acknowledged writes", len(ledger.acked), "", True)
    record("T30", "write attempts (with retries)", ledger.attempts, "", True)
    record("T30", "acknowledgements replayed by Idempotency-Key", ledger.replayed, "", True)
    record("T30", "lost acknowledged writes", len(lost), "0", not lost)
    record("T30", "duplicated writes", len(doubled), "0", not doubled)
    record("T30", "unacknowledged writes (each at most once)", len(ledger.unacked), "", True)
    record("T30", "integrity_check", integrity, "ok", integrity == "ok")
    record("T30", "whole test", round(elapsed, 1), "", True, unit="s")

    assert not ledger.failures, ledger.failures[:5]
    assert acks_at_kill[-1] > acks_at_kill[0], "writes were acknowledged between the kills"
    assert not lost, lost[:10]
    assert not doubled, doubled[:10]
    assert not wrong_code, wrong_code[:10]
    assert not strangers, sorted(strangers)[:10]
    assert not ledger.unacked  # the server was up at the end: every write got through
    assert integrity == "ok"
