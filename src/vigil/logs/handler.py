"""A ``logging.Handler`` that queues Vigil's own log records for the ``logs`` table.

``emit`` only converts the record and appends it to a bounded in-memory buffer: no I/O, no
waiting, safe from any thread. ``vigil.logs.writer`` drains the buffer in batches. When the
buffer is full (the database is down or too slow) new records are dropped and counted, so a
database outage can never block or crash the code that logs.
"""

from __future__ import annotations

import json
import logging
import threading
import traceback
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from vigil.core.logging import request_id_var

# Records carrying this attribute (set through ``extra``) stay out of the database: the writer
# reports its own failures this way, so they reach the console but never loop back into itself.
SKIP_DB_ATTR = "vigil_skip_db"
MAX_MESSAGE_CHARS = 10_000
MAX_TRACEBACK_CHARS = 8_000
_INT32_MAX = 2**31 - 1
_LEVELS = (
    (logging.CRITICAL, "CRITICAL"),
    (logging.ERROR, "ERROR"),
    (logging.WARNING, "WARNING"),
    (logging.INFO, "INFO"),
)


def level_name(levelno: int) -> str:
    """Map any numeric level (custom ones included) onto the five the table accepts."""
    for threshold, name in _LEVELS:
        if levelno >= threshold:
            return name
    return "DEBUG"


def _clean(text: str) -> str:
    # PostgreSQL text and jsonb cannot hold NUL; one such record must not poison a whole batch.
    return text.replace("\x00", "\ufffd")


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        number = round(float(value)) if isinstance(value, float) else int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if -_INT32_MAX - 1 <= number <= _INT32_MAX else None


def _as_camera(value: Any) -> str | None:
    text = str(value) if value is not None else None
    return text if text and len(text) <= 100 else None


# Context keys that have their own column: key -> converter (None means "keep it in extra").
_COLUMNS: dict[str, Callable[[Any], Any]] = {
    "camera_id": _as_camera,
    "event_id": _as_int,
    "detection_id": _as_int,
    "duration_ms": _as_int,
}


def json_safe(value: dict[str, Any]) -> dict[str, Any]:
    text = json.dumps(value, default=str, ensure_ascii=False)
    return dict(json.loads(_clean(text)))


def record_to_row(record: logging.LogRecord) -> dict[str, Any]:
    """One ``logs`` row from one record: the structured attributes ``vigil.core.logging`` sets
    (component, context, request_id); anything without a column goes into ``extra``."""
    context = dict(getattr(record, "context", None) or {})
    component = getattr(record, "component", None) or record.name.removeprefix("vigil.")
    request_id = getattr(record, "request_id", None) or request_id_var.get()
    row: dict[str, Any] = {
        "timestamp": datetime.fromtimestamp(record.created, UTC),
        "level": level_name(record.levelno),
        "component": _clean(str(component))[:50],
        "message": _clean(record.getMessage())[:MAX_MESSAGE_CHARS],
        "source": "backend",
        "request_id": str(request_id)[:36] if request_id else None,
    }
    for key, convert in _COLUMNS.items():
        if key not in context:
            continue
        value = convert(context[key])
        if value is not None:
            row[key] = value
            del context[key]
        elif context[key] is None:
            del context[key]
        # else: a value that does not fit the column (e.g. a non-numeric id) stays in extra
    if record.exc_info and record.exc_info[0] is not None:
        text = "".join(traceback.format_exception(*record.exc_info))
        context["exception"] = text[-MAX_TRACEBACK_CHARS:]
    row["extra"] = json_safe(context) if context else None
    return row


class DatabaseLogHandler(logging.Handler):
    def __init__(self, *, buffer_size: int, level: int | str = logging.INFO) -> None:
        super().__init__(level)
        self.buffer_size = buffer_size
        self._buffer: deque[dict[str, Any]] = deque()
        self._buffer_lock = threading.Lock()
        self.dropped = 0
        self.written = 0
        # Set by the writer: called (from any thread) when a batch is ready to go.
        self.on_batch_ready: Callable[[], None] | None = None
        self.batch_size = 200

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, SKIP_DB_ATTR, False):
            return
        try:
            row = record_to_row(record)
        except Exception:
            # Never raise into the caller and never log about it (that would recurse).
            with self._buffer_lock:
                self.dropped += 1
            return
        with self._buffer_lock:
            if len(self._buffer) >= self.buffer_size:
                self.dropped += 1
                return
            self._buffer.append(row)
            ready = len(self._buffer) >= self.batch_size
        if ready and self.on_batch_ready is not None:
            self.on_batch_ready()

    @property
    def pending(self) -> int:
        with self._buffer_lock:
            return len(self._buffer)

    def take(self, limit: int) -> list[dict[str, Any]]:
        with self._buffer_lock:
            count = min(limit, len(self._buffer))
            return [self._buffer.popleft() for _ in range(count)]

    def put_back(self, rows: list[dict[str, Any]]) -> None:
        """Return an unwritten batch to the front (oldest first); what does not fit is dropped."""
        with self._buffer_lock:
            room = max(0, self.buffer_size - len(self._buffer))
            keep = rows[:room]
            self.dropped += len(rows) - len(keep)
            self._buffer.extendleft(reversed(keep))

    def count_dropped(self, n: int) -> None:
        with self._buffer_lock:
            self.dropped += n

    def stats(self) -> dict[str, int]:
        with self._buffer_lock:
            return {"dropped": self.dropped, "pending": len(self._buffer), "written": self.written}
