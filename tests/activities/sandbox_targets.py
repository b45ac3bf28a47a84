"""Misbehaving stand-ins for the parser, run inside the sandbox worker by test_sandbox.py."""

from __future__ import annotations

import os
import time


def spin(name: str, data: bytes) -> list[object]:
    """An endless loop, as a decoder stuck on a hostile file would be."""
    total = 0
    while True:
        total += 1


def sleep(name: str, data: bytes) -> list[object]:
    """Waits without using the processor, as a decoder blocked on nothing would."""
    time.sleep(3600)
    return []


def hog_memory(name: str, data: bytes) -> list[object]:
    """Asks for far more memory than the sandbox allows."""
    return [bytearray(4 * 1024 * 1024 * 1024)]


def crash(name: str, data: bytes) -> list[object]:
    """Dies on a signal, as a native decoder with a memory bug would."""
    os.abort()


def leave(name: str, data: bytes) -> list[object]:
    """Exits in the middle of a file."""
    os._exit(3)


def fail(name: str, data: bytes) -> list[object]:
    """Raises an error that is not a ParseError."""
    raise ValueError(f"cannot handle {name}")


def echo(name: str, data: bytes) -> list[object]:
    """Returns what it was given, and prints, which must not disturb the replies."""
    print("noise on standard output")
    return [name, len(data)]


def picky(name: str, data: bytes) -> list[object]:
    """Crashes on files named 'crash...', hangs on 'hang...', answers the rest."""
    if name.startswith("crash"):
        os.abort()
    if name.startswith("hang"):
        time.sleep(3600)
    return [name, len(data)]


def environment(name: str, data: bytes) -> list[object]:
    """The worker's value of the environment variable named ``name``."""
    return [os.environ.get(name)]
