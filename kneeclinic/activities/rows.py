"""Many new rows of one model in few statements, at a fraction of ``bulk_create``'s cost.

An import writes thousands of rows (outcomes, runs, streams, files, cadence) in batches; the
ORM's ``bulk_create`` spends most of its time building each value's SQL through every field.
``insert`` writes the same columns with the same values: each field's value as the field
itself prepares it for the database (plain numbers and text as they are; dates, UUIDs, JSON
and bytes through the field), a related row's id taken from the row object as
``bulk_create`` does, and, when asked, the new ids read back with RETURNING. A JSON value
already encoded (``prepare.JSONText``) is written as it is. It must run inside the caller's
transaction, like the rest of an import's batch.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, connections, models

from kneeclinic.activities.prepare import JSONText

Convert = Callable[[Any], Any] | None  # None: the field prepares the value itself


def insert(objs: Sequence[models.Model], *, returning: bool = False) -> None:
    """Insert ``objs`` (new rows of one model); with ``returning``, set their new ids."""
    if not objs:
        return
    model = type(objs[0])
    columns = _columns(model)
    db = connections[connection.alias]  # the connection itself: each look-up through
    ops = db.ops  # ``connection`` goes through a thread-local, tens of thousands a batch
    table = ops.quote_name(model._meta.db_table)
    names = ", ".join(ops.quote_name(column) for column, _, _, _ in columns)
    row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
    size = max(1, ops.bulk_batch_size([field for _, _, field, _ in columns], objs))
    pk_column = ops.quote_name(str(model._meta.pk.column))
    with db.cursor() as cursor:
        for start in range(0, len(objs), size):
            chunk = objs[start : start + size]
            params: list[Any] = []
            for obj in chunk:
                for _, attname, field, convert in columns:
                    value = getattr(obj, attname)
                    if value is None and field.is_relation and field.is_cached(obj):
                        value = field.get_cached_value(obj).pk  # saved in this batch
                    if value is None:
                        params.append(None)
                    elif isinstance(value, JSONText):
                        params.append(_json_text(value, db.vendor))
                    elif convert is None:
                        params.append(field.get_db_prep_save(value, db))
                    else:
                        params.append(convert(value))
            # table and column names from the model, quoted; every value is a parameter
            values = ", ".join([row_sql] * len(chunk))
            sql = f"INSERT INTO {table} ({names}) VALUES {values}"  # noqa: S608  # nosec B608
            if returning:
                cursor.execute(f"{sql} RETURNING {pk_column}", params)
                ids = cursor.fetchall()
                for obj, (pk,) in zip(chunk, ids, strict=True):
                    obj.pk = pk
            else:
                cursor.execute(sql, params)
            for obj in chunk:
                obj._state.adding = False
                obj._state.db = db.alias


_PLAIN: dict[str, Callable[[Any], Any]] = {
    "AutoField": int,
    "BigAutoField": int,
    "CharField": str,
    "TextField": str,
    "FloatField": float,
    "IntegerField": int,
    "BigIntegerField": int,
    "SmallIntegerField": int,
    "PositiveIntegerField": int,
    "PositiveBigIntegerField": int,
    "PositiveSmallIntegerField": int,
    "BooleanField": bool,
}


@functools.cache
def _columns(model: type[models.Model]) -> list[tuple[str, str, Any, Convert]]:
    """Each column but the id: its name, attribute, field, and how its value is prepared."""
    columns: list[tuple[str, str, Any, Convert]] = []
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        target: Any = getattr(field, "target_field", field)  # a related row: its id's field
        convert = _PLAIN.get(target.get_internal_type())
        columns.append((str(field.column), field.attname, field, convert))
    return columns


def _json_text(text: JSONText, vendor: str) -> Any:
    """JSON text as the database driver takes a JSON field's value."""
    if vendor == "postgresql":
        from psycopg.types.json import Jsonb

        return Jsonb(None, dumps=lambda _: str(text))
    return str(text)
