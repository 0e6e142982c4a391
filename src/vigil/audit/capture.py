"""What a request changed, captured from its session: before/after of every changed column of
every object the unit of work inserts, updates or deletes (``before_flush``), the ids the inserts
received (``after_flush``), and bulk statements (``do_orm_execute``). Secret-looking fields are
redacted and big values summarised so an audit row stays small."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from vigil.core.logging import REDACTED, SECRET_KEYS
from vigil.models import AuditChainAnchor, AuditLog

MAX_CHANGES = 50
MAX_STRING = 300
MAX_LIST = 16
# Columns whose values are credentials or digests of them, beyond core's secret-key names.
EXTRA_SECRET_COLUMNS = frozenset({"digest", "key_hash", "secret_hash", "password_hash", "hash"})
_IGNORED = (AuditLog, AuditChainAnchor)


# Runs for every captured value; column names are few, JSON keys bounded by the LRU size.
@lru_cache(maxsize=4096)
def _is_secret(name: str) -> bool:
    lowered = name.lower()
    return (
        lowered in SECRET_KEYS
        or lowered in EXTRA_SECRET_COLUMNS
        or any(word in lowered for word in ("password", "secret", "api_key", "apikey"))
        or lowered.endswith(("_token", "_key_hash"))
    )


def summarise(value: Any) -> Any:
    """A JSON-safe, bounded rendering of a column value."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return (
            value
            if len(value) <= MAX_STRING
            else value[:MAX_STRING] + f"…(+{len(value) - MAX_STRING})"
        )
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if isinstance(value, list | tuple):
        if len(value) > MAX_LIST:
            return f"<list of {len(value)}>"
        return [summarise(v) for v in value]
    if isinstance(value, dict):
        return {
            str(k): (REDACTED if _is_secret(str(k)) else summarise(v))
            for k, v in list(value.items())[:MAX_LIST]
        }
    return summarise(str(value))


def _identity(obj: Any) -> str | None:
    # The primary key from the instance: right after an INSERT the identity key is not yet set.
    key = inspect(obj).mapper.primary_key_from_instance(obj)
    if not key or any(k is None for k in key):
        return None
    return ",".join(str(k) for k in key)


# mapper -> its column attribute names, filled on first use (mappers are fixed once configured).
_MAPPER_COLUMNS: dict[Any, tuple[str, ...]] = {}


def _columns(obj: Any) -> tuple[str, ...]:
    mapper = inspect(obj).mapper
    names = _MAPPER_COLUMNS.get(mapper)
    if names is None:
        names = _MAPPER_COLUMNS[mapper] = tuple(attr.key for attr in mapper.column_attrs)
    return names


def _value(name: str, value: Any) -> Any:
    return REDACTED if _is_secret(name) else summarise(value)


class ChangeCapture:
    """Listens on one request session and accumulates its changes."""

    def __init__(self) -> None:
        self.changes: list[dict[str, Any]] = []
        self.dropped = 0
        self.created: list[tuple[str, str]] = []
        self._pending_new: list[Any] = []

    def attach(self, session: Session) -> None:
        event.listen(session, "before_flush", self._before_flush)
        event.listen(session, "after_flush", self._after_flush)
        event.listen(session, "do_orm_execute", self._on_execute)

    def _add(self, record: dict[str, Any]) -> None:
        if len(self.changes) >= MAX_CHANGES:
            self.dropped += 1
            return
        self.changes.append(record)

    def _before_flush(self, session: Session, _ctx: UOWTransaction, _instances: Any) -> None:
        for obj in session.new:
            if isinstance(obj, _IGNORED):
                continue
            self._pending_new.append(obj)
        for obj in session.dirty:
            if isinstance(obj, _IGNORED) or not session.is_modified(obj):
                continue
            state = inspect(obj)
            diff: dict[str, Any] = {}
            for name in _columns(obj):
                history = state.attrs[name].history
                if not history.has_changes():
                    continue
                before = history.deleted[0] if history.deleted else None
                after = history.added[0] if history.added else None
                if before == after:
                    continue
                diff[name] = {"before": _value(name, before), "after": _value(name, after)}
            if diff:
                self._add(
                    {
                        "op": "update",
                        "table": obj.__tablename__,
                        "id": _identity(obj),
                        "changes": diff,
                    }
                )
        for obj in session.deleted:
            if isinstance(obj, _IGNORED):
                continue
            state = inspect(obj)
            before_values = {name: _value(name, state.dict.get(name)) for name in _columns(obj)}
            self._add(
                {
                    "op": "delete",
                    "table": obj.__tablename__,
                    "id": _identity(obj),
                    "before": before_values,
                }
            )

    def _after_flush(self, _session: Session, _ctx: UOWTransaction) -> None:
        for obj in self._pending_new:
            identity = _identity(obj)
            table = obj.__tablename__
            if identity is not None:
                self.created.append((table, identity))
            state = inspect(obj)
            after = {
                name: _value(name, state.dict[name])
                for name in _columns(obj)
                if state.dict.get(name) is not None
            }
            self._add({"op": "insert", "table": table, "id": identity, "after": after})
        self._pending_new = []

    def _on_execute(self, state: ORMExecuteState) -> None:
        if not (state.is_update or state.is_delete):
            return
        table = getattr(getattr(state.statement, "table", None), "name", None)
        if table in ("audit_logs", "audit_chain_anchor"):
            return
        self._add({"op": "bulk_update" if state.is_update else "bulk_delete", "table": table})

    def created_id(self, resource_type: str) -> str | None:
        """The id of the object a create route made: one of the resource's table if any,
        else the first insert."""
        for table, identity in self.created:
            singular = table[:-1] if table.endswith("s") else table
            if singular == resource_type or singular.endswith("_" + resource_type):
                return identity
        return self.created[0][1] if self.created else None

    def details(self) -> dict[str, Any]:
        result: dict[str, Any] = {"changes": self.changes}
        if self.dropped:
            result["changes_omitted"] = self.dropped
        return result
