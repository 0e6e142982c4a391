"""Reads the schema contract (docs/spec/auxiliary-tables.md) into plain data for the tests."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

SPEC = Path(__file__).resolve().parents[2] / "docs" / "spec" / "auxiliary-tables.md"


@dataclass
class SpecColumn:
    name: str
    type: str
    nullable: bool | None
    default: str | None


@dataclass
class SpecIndex:
    name: str
    columns: list[str]
    method: str


@dataclass
class SpecTable:
    name: str
    columns: list[SpecColumn] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    uniques: list[list[str]] = field(default_factory=list)
    indexes: list[SpecIndex] = field(default_factory=list)


def _cells(line: str) -> list[str]:
    return [c.strip().strip("`").strip() for c in line.strip().strip("|").split("|")]


def parse_spec(text: str | None = None) -> tuple[dict[str, SpecTable], dict[str, list[str]]]:
    text = text if text is not None else SPEC.read_text()
    tables: dict[str, SpecTable] = {}
    enums: dict[str, list[str]] = {}
    for m in re.finditer(r"CREATE TYPE (\w+) AS ENUM \(([^)]*)\)", text):
        enums[m.group(1)] = re.findall(r"'([^']*)'", m.group(2))
    current: SpecTable | None = None
    header: list[str] = []
    in_sql = False
    for line in text.splitlines():
        name = re.search(r"\*\*Table Name:\*\* `(\w+)`", line)
        if name:
            current = tables.setdefault(name.group(1), SpecTable(name.group(1)))
            header = []
            continue
        if current is None:
            continue
        if line.startswith("```"):
            in_sql = not in_sql
            continue
        if in_sql:
            stmt = line.split("--")[0].strip()
            if stmt.startswith("CHECK"):
                current.checks.append(stmt[len("CHECK") :].strip())
            elif stmt.startswith("UNIQUE"):
                cols = re.search(r"\(([^)]*)\)", stmt)
                assert cols
                current.uniques.append([c.strip() for c in cols.group(1).split(",")])
            continue
        if not line.startswith("|"):
            header = [] if not line.strip() else header
            continue
        cells = _cells(line)
        if set("".join(cells)) <= set("-: "):
            continue
        if cells[0] in ("Column", "Index Name"):
            header = cells
            continue
        if header and header[0] == "Column":
            row = dict(zip(header, cells, strict=False))
            nullable = {"NO": False, "YES": True}.get(row.get("Nullable", ""))
            current.columns.append(SpecColumn(cells[0], row["Type"], nullable, row.get("Default")))
        elif header and header[0] == "Index Name":
            cols = [c.strip() for c in cells[1].replace("`", "").split(",")]
            current.indexes.append(SpecIndex(cells[0], cols, cells[2].lower().replace("-", "")))
    return tables, enums
