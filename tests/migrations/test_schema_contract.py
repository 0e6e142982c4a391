"""A migrated PostgreSQL holds every table, column, type, nullability, default, CHECK, UNIQUE,
enum and named index of the schema contract (docs/spec/auxiliary-tables.md); SQLite holds the
same tables, columns, nullability and CHECKs."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import CheckConstraint, text

from tests.migrations.spec_parser import SpecTable, parse_spec
from vigil.core.db import Database
from vigil.models import Base

TABLES, ENUMS = parse_spec()

PG_TYPES = {
    "Integer": ("integer", None),
    "Float": ("double precision", None),
    "Boolean": ("boolean", None),
    "Text": ("text", None),
    "JSONB": ("jsonb", None),
    "JSON": ("json", None),
    "UUID": ("uuid", None),
    "TSVECTOR": ("tsvector", None),
    "ENUM": ("USER-DEFINED", None),
    "String": ("character varying", None),
    # The contract's enrichment tables say plain DateTime; Vigil keeps every timestamp
    # timezone-aware (DESIGN: no naive/aware mixing), so both spellings map to timestamptz.
    "DateTime": ("timestamp with time zone", None),
    "DateTime(tz)": ("timestamp with time zone", None),
}


def _spec_type(raw: str) -> tuple[str, int | None]:
    base = raw.replace("`", "").replace("(FK)", "").strip()
    m = re.fullmatch(r"String\((\d+)\)", base)
    if m:
        return "character varying", int(m.group(1))
    return PG_TYPES[base]


def _norm(sql: str) -> str:
    return re.sub(r"\s+", " ", sql.replace("(", " ( ").replace(")", " ) ")).strip().lower()


def _default_matches(spec_default: str | None, actual: str | None) -> bool:
    if spec_default is None:  # the contract leaves this column's default open
        return True
    if spec_default in ("", "-", "NULL"):
        return actual is None
    if spec_default == "Auto":
        return actual is None or "nextval" in actual
    if spec_default == "now()":
        return actual is not None and "now()" in actual
    if actual is None:
        return False
    want = spec_default.strip('"')
    if want in ("True", "False"):
        return actual == want.lower()
    return want in actual or (want == "0.0" and actual in ("0", "0.0"))


async def _rows(db: Database, sql: str, **params: Any) -> list[Any]:
    async with db.engine.connect() as conn:
        return list((await conn.execute(text(sql), params)).all())


@pytest.fixture
def pg(db: Database, backend: str) -> Database:
    if backend != "postgresql":
        pytest.skip("the full type/index/enum contract is checked on PostgreSQL")
    return db


@pytest.mark.parametrize("table", list(TABLES.values()), ids=lambda t: t.name)
async def test_columns_types_nullability_defaults(pg: Database, table: SpecTable) -> None:
    rows = await _rows(
        pg,
        "SELECT column_name, data_type, character_maximum_length, is_nullable, column_default "
        "FROM information_schema.columns WHERE table_name = :t",
        t=table.name,
    )
    actual = {r[0]: r for r in rows}
    assert actual, f"table {table.name} missing"
    for col in table.columns:
        assert col.name in actual, f"{table.name}.{col.name} missing"
        _, data_type, length, nullable, default = actual[col.name]
        want_type, want_len = _spec_type(col.type)
        assert data_type == want_type, f"{table.name}.{col.name}: {data_type} != {want_type}"
        if col.nullable is not None:  # fully specified tables: String means unbounded varchar
            assert length == want_len, f"{table.name}.{col.name}: length {length} != {want_len}"
        if col.nullable is not None:
            assert (nullable == "YES") == col.nullable, f"{table.name}.{col.name} nullability"
        if table.columns[0].nullable is not None:  # tables whose spec gives defaults
            assert _default_matches(col.default, default), (
                f"{table.name}.{col.name}: default {default!r}, contract {col.default!r}"
            )


@pytest.mark.parametrize("table", list(TABLES.values()), ids=lambda t: t.name)
async def test_named_indexes_columns_and_methods(pg: Database, table: SpecTable) -> None:
    rows = await _rows(
        pg,
        """SELECT i.relname, am.amname,
                  array_agg(a.attname ORDER BY array_position(ix.indkey, a.attnum))
           FROM pg_index ix
           JOIN pg_class i ON i.oid = ix.indexrelid
           JOIN pg_class t ON t.oid = ix.indrelid
           JOIN pg_am am ON am.oid = i.relam
           JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY(ix.indkey)
           WHERE t.relname = :t GROUP BY i.relname, am.amname""",
        t=table.name,
    )
    actual = {r[0]: (r[1], list(r[2])) for r in rows}
    for index in table.indexes:
        assert index.name in actual, f"index {index.name} missing"
        method, columns = actual[index.name]
        assert method == index.method, f"{index.name}: {method} != {index.method}"
        assert columns == index.columns, f"{index.name}: {columns} != {index.columns}"


@pytest.mark.parametrize("table", list(TABLES.values()), ids=lambda t: t.name)
async def test_unique_constraints(pg: Database, table: SpecTable) -> None:
    rows = await _rows(
        pg,
        """SELECT array_agg(a.attname ORDER BY a.attname)
           FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
           JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY(c.conkey)
           WHERE t.relname = :t AND c.contype = 'u' GROUP BY c.oid""",
        t=table.name,
    )
    actual = [sorted(r[0]) for r in rows]
    for unique in table.uniques:
        assert sorted(unique) in actual, f"{table.name}: UNIQUE {unique} missing"


async def test_enum_types_and_values(pg: Database) -> None:
    for name, values in ENUMS.items():
        rows = await _rows(
            pg,
            "SELECT e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid "
            "WHERE t.typname = :n ORDER BY e.enumsortorder",
            n=name,
        )
        assert [r[0] for r in rows] == values, name


def _model_checks(table: str) -> dict[str, set[str]]:
    """CHECK name -> its SQL texts (a name can have one text per dialect, e.g. the colour regex)."""
    checks: dict[str, set[str]] = {}
    for constraint in Base.metadata.tables[table].constraints:
        if isinstance(constraint, CheckConstraint) and isinstance(constraint.name, str):
            checks.setdefault(constraint.name, set()).add(str(constraint.sqltext))
    return checks


@pytest.mark.parametrize("table", list(TABLES.values()), ids=lambda t: t.name)
def test_contract_checks_are_in_the_models(table: SpecTable) -> None:
    model = {_norm(sql) for texts in _model_checks(table.name).values() for sql in texts}
    for check in table.checks:
        body = check[1:-1] if check.startswith("(") and check.endswith(")") else check
        assert _norm(body) in model, f"{table.name}: CHECK {check} not in the model"


@pytest.mark.parametrize("table", list(TABLES.values()), ids=lambda t: t.name)
async def test_model_checks_exist_in_database(db: Database, backend: str, table: SpecTable) -> None:
    names = set(_model_checks(table.name))
    if backend == "postgresql":
        rows = await _rows(
            db,
            "SELECT c.conname FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
            "WHERE t.relname = :t AND c.contype = 'c'",
            t=table.name,
        )
        actual = {r[0] for r in rows}
        # Native PostgreSQL enum types enforce their values themselves; SQLite gets CHECKs.
        names = {n for n in names if not any(n.endswith(enum) for enum in ENUMS)}
    else:
        sql = (await _rows(db, "SELECT sql FROM sqlite_master WHERE name = :t", t=table.name))[0][0]
        actual = set(re.findall(r"CONSTRAINT (\w+) CHECK", sql))
    prefixed = {n if n.startswith("ck_") else f"ck_{table.name}_{n}" for n in names}
    assert prefixed <= actual, f"{table.name}: missing checks {sorted(prefixed - actual)}"


async def test_logs_search_vector_trigger_weights(pg: Database) -> None:
    async with pg.engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO logs (level, component, message) VALUES ('ERROR', 'camera', 'failed')"
            )
        )
        vector = (await conn.execute(text("SELECT search_vector::text FROM logs"))).scalar_one()
    assert "'fail':1A" in vector and "'camera':2B" in vector and "'error':3C" in vector
