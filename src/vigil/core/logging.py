"""Structured logging with stable event names and a context dict.

``get_logger("alerting").info("alerting.alert_created", alert_id=..., camera_id=...)`` writes one
record whose attributes match the ``logs`` table: ``component``, ``message`` (the event name),
``request_id`` and ``context`` (camera/event/detection ids, ``duration_ms`` and anything else).
Handlers (console here; the database handler in ``vigil.logs``) read those attributes.
"""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

request_id_var: ContextVar[str | None] = ContextVar("vigil_request_id", default=None)

# Keys that must never be written to a log line in clear.
SECRET_KEYS = frozenset(
    {"password", "secret", "token", "api_key", "apikey", "authorization", "key", "url_secret"}
)
REDACTED = "***"


def redact(value: Any) -> Any:
    """Replace the values of secret-looking keys anywhere inside a JSON-like structure."""
    if isinstance(value, dict):
        return {
            k: (REDACTED if str(k).lower() in SECRET_KEYS else redact(v)) for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    return value


class StructLogger:
    """A thin wrapper that turns ``log.info(event, **context)`` into one structured record."""

    def __init__(self, component: str) -> None:
        self.component = component
        self._logger = logging.getLogger(f"vigil.{component}")

    def _log(self, level: int, event: str, exc_info: bool, context: dict[str, Any]) -> None:
        if not self._logger.isEnabledFor(level):
            return
        self._logger.log(
            level,
            event,
            exc_info=exc_info,
            extra={
                "component": self.component,
                "context": redact(context),
                "request_id": request_id_var.get(),
            },
            stacklevel=3,
        )

    def debug(self, event: str, **context: Any) -> None:
        self._log(logging.DEBUG, event, False, context)

    def info(self, event: str, **context: Any) -> None:
        self._log(logging.INFO, event, False, context)

    def warning(self, event: str, **context: Any) -> None:
        self._log(logging.WARNING, event, False, context)

    def error(self, event: str, exc_info: bool = False, **context: Any) -> None:
        self._log(logging.ERROR, event, exc_info, context)

    def exception(self, event: str, **context: Any) -> None:
        self._log(logging.ERROR, event, True, context)

    def critical(self, event: str, **context: Any) -> None:
        self._log(logging.CRITICAL, event, False, context)


def get_logger(component: str) -> StructLogger:
    return StructLogger(component)


class ConsoleFormatter(logging.Formatter):
    """``time level component event key=value … [request_id]`` for humans at a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        ts = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        component = getattr(record, "component", record.name)
        ctx = getattr(record, "context", None) or {}
        rid = getattr(record, "request_id", None) or request_id_var.get()
        parts = [ts[:-4] + "Z", f"{record.levelname:<7}", component, record.getMessage()]
        parts += [f"{k}={json.dumps(v, default=str)}" for k, v in ctx.items()]
        if rid:
            parts.append(f"request_id={rid}")
        line = " ".join(parts)
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def configure_logging(level: str = "INFO") -> None:
    root = logging.getLogger("vigil")
    root.setLevel(level)
    if not any(getattr(h, "_vigil_console", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(ConsoleFormatter())
        handler._vigil_console = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.propagate = False
