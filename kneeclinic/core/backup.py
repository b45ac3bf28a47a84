"""Consistent backups of the whole data folder's contents, and restoring them.

A backup is one ``.tar.gz`` holding the database (SQLite through the online backup API, or a
``pg_dump -Fc`` archive for PostgreSQL), the kept original files and a manifest. It can be taken
while the app runs.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connection

from kneeclinic import __version__

DB_MEMBER_SQLITE = "kneeclinic.sqlite3"
DB_MEMBER_PG = "kneeclinic.pgdump"
# Folders of the data dir that hold kept files: the activity originals (activities.storage) and
# any other uploads.
FILE_FOLDERS = ("files", "uploads")


class BackupError(Exception):
    pass


def _is_sqlite() -> bool:
    return connection.vendor == "sqlite"


def _pg_env() -> tuple[list[str], dict[str, str]]:
    db = settings.DATABASES["default"]
    args = ["-h", str(db["HOST"] or "localhost"), "-U", str(db["USER"] or "postgres")]
    if db.get("PORT"):
        args += ["-p", str(db["PORT"])]
    env = {"PGPASSWORD": str(db.get("PASSWORD") or "")}
    return args, env


def backup(destination: Path) -> Path:
    """Write a backup archive to ``destination`` (a file, or a folder to put a dated file in)."""
    if destination.is_dir():
        stamp = datetime.now(tz=UTC).strftime("%Y%m%dT%H%M%SZ")
        destination = destination / f"kneeclinic-backup-{stamp}.tar.gz"
    try:
        _write_backup(destination)
    except OSError as exc:
        # A full disk (or any write failure) must not leave a truncated archive that looks
        # like a backup.
        destination.unlink(missing_ok=True)
        raise BackupError(
            f"The backup could not be written to {destination}: {exc.strerror or exc}. "
            "Nothing was changed; free some space (or choose another place) and try again."
        ) from None
    destination.chmod(0o600)
    return destination


def _write_backup(destination: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        if _is_sqlite():
            db_file = work / DB_MEMBER_SQLITE
            # The online backup API through the app's own connection: consistent while it writes.
            connection.ensure_connection()
            with closing(sqlite3.connect(db_file)) as target:
                connection.connection.backup(target)
        else:
            db_file = work / DB_MEMBER_PG
            args, env = _pg_env()
            name = str(settings.DATABASES["default"]["NAME"])
            _run(["pg_dump", "-Fc", "-f", str(db_file), *args, name], env)
        manifest = {
            "version": __version__,
            "created": datetime.now(tz=UTC).isoformat(),
            "database": "sqlite" if _is_sqlite() else "postgresql",
        }
        (work / "manifest.json").write_text(json.dumps(manifest, indent=2))
        destination.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(destination, "w:gz") as tar:
            tar.add(work / "manifest.json", arcname="manifest.json")
            tar.add(db_file, arcname=db_file.name)
            # After the database: every file a backed-up row points at is already on disk.
            for folder in FILE_FOLDERS:
                _add_tree(tar, Path(settings.DATA_DIR) / folder, folder)


def _add_tree(tar: tarfile.TarFile, root: Path, arcname: str) -> None:
    """Add a folder of kept files, leaving out files still being written (``.incoming-*``)."""
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.name.startswith(".incoming-") or not path.is_file():
            continue
        try:
            tar.add(path, arcname=f"{arcname}/{path.relative_to(root).as_posix()}")
        except FileNotFoundError:  # removed while we walked (an erasure): not needed
            continue


def restore(archive: Path) -> dict[str, str]:
    """Replace the database and uploads with those in ``archive``. Stop the app first."""
    if not archive.is_file():
        raise BackupError(f"No backup file at {archive}.")
    with tempfile.TemporaryDirectory() as tmp, tarfile.open(archive, "r:gz") as tar:
        tar.extractall(tmp, filter="data")
        work = Path(tmp)
        try:
            manifest = json.loads((work / "manifest.json").read_text())
        except (OSError, ValueError):
            raise BackupError("This file is not a Knee Clinic backup (no manifest).") from None
        if manifest.get("database") == "sqlite":
            _restore_sqlite(work / DB_MEMBER_SQLITE)
        elif manifest.get("database") == "postgresql":
            args, env = _pg_env()
            name = str(settings.DATABASES["default"]["NAME"])
            _run(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "-d",
                    name,
                    *args,
                    str(work / DB_MEMBER_PG),
                ],
                env,
            )
        else:
            raise BackupError("The backup's manifest names no known database.")
        for folder in FILE_FOLDERS:
            target = Path(settings.DATA_DIR) / folder
            if target.exists():
                shutil.rmtree(target)
            if (work / folder).exists():
                shutil.copytree(work / folder, target)
    return {str(k): str(v) for k, v in manifest.items()}


def _restore_sqlite(source_file: Path) -> None:
    if not _is_sqlite():
        raise BackupError("This backup holds a SQLite database, but the app is set to PostgreSQL.")
    with closing(sqlite3.connect(source_file)) as check:
        result = check.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        raise BackupError(f"The backup's database failed its integrity check: {result}")
    connection.ensure_connection()
    with closing(sqlite3.connect(source_file)) as source:
        source.backup(connection.connection)


def _run(command: list[str], env: dict[str, str]) -> None:
    import os

    try:
        subprocess.run(command, check=True, env={**os.environ, **env}, capture_output=True)  # noqa: S603
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed; it is needed for PostgreSQL.") from None
    except subprocess.CalledProcessError as exc:
        raise BackupError(
            f"{command[0]} failed: {exc.stderr.decode(errors='replace')[:500]}"
        ) from None
