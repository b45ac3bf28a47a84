"""Structured logs: one JSON object per line, with no request bodies or health data."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

_SKIP = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys()) | {"message"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _SKIP and not key.startswith("_") and key != "request":
                payload[key] = (
                    value if isinstance(value, str | int | float | bool | None) else str(value)
                )
        request_id = getattr(getattr(record, "request", None), "_kneeclinic_request_id", None)
        if isinstance(request_id, str):
            payload["request_id"] = request_id
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False)
