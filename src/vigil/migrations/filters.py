"""What autogenerate (and the drift test) compares: dialect-specific objects are left out where
that dialect does not have them."""

from __future__ import annotations

from typing import Any

# SQLite's FTS5 table for log search and its shadow tables are managed by migrations only.
SQLITE_FTS_TABLES = ("logs_fts",)


def make_include_object(dialect: str) -> Any:
    def include_object(
        obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
    ) -> bool:
        if type_ == "table" and name and name.startswith(SQLITE_FTS_TABLES):
            return False
        if type_ == "index" and dialect != "postgresql":
            info = getattr(obj, "info", None) or {}
            if info.get("postgresql_only"):
                return False
        return True

    return include_object
