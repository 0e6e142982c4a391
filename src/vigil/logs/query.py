"""Search-query parsing shared by both databases, and the opaque page cursor.

Users type web-search syntax: words (all must match), ``"quoted phrases"``, ``-word`` or
``-"a phrase"`` to exclude, and ``or`` between alternatives. PostgreSQL parses that itself with
``websearch_to_tsquery``; for SQLite we parse it here into groups and render each word or phrase
as a quoted FTS5 string, so no user input is ever read as FTS5 syntax (``NEAR``, ``*``, column
filters, parentheses) and no query can make the server fail.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from datetime import datetime

from vigil.core.errors import InvalidInput

MAX_QUERY_CHARS = 500
# A quoted phrase (the closing quote may be missing), or a run of non-space characters.
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
# A term is searchable only if it holds a letter or digit (what FTS5 and PostgreSQL index).
_SEARCHABLE = re.compile(r"[^\W_]")


@dataclass
class Group:
    """Terms that must all match (``positive``) and none of which may match (``negative``)."""

    positive: list[str] = field(default_factory=list)
    negative: list[str] = field(default_factory=list)


def validate_query(q: str) -> str:
    q = q.strip()
    if len(q) > MAX_QUERY_CHARS:
        raise InvalidInput(f"q is longer than {MAX_QUERY_CHARS} characters", code="invalid_query")
    if any(ord(c) < 32 and c not in "\t\n\r" for c in q):
        raise InvalidInput("q contains control characters", code="invalid_query")
    if not _SEARCHABLE.search(q):
        raise InvalidInput("q has no searchable words", code="invalid_query")
    return q


def parse_websearch(q: str) -> list[Group]:
    """``a "b c" -d or e`` -> [Group([a, "b c"], [d]), Group([e])]. Empty groups are dropped."""
    groups = [Group()]
    for match in _TOKEN.finditer(q):
        negated, phrase, word = match.group(1), match.group(2), match.group(3)
        if word is not None:
            if word.lower() == "or":
                groups.append(Group())
                continue
            negated = "-" if word.startswith("-") and len(word) > 1 else ""
            term = word[1:] if negated else word
        else:
            term = phrase
        if not _SEARCHABLE.search(term or ""):
            continue
        (groups[-1].negative if negated else groups[-1].positive).append(term)
    return [g for g in groups if g.positive or g.negative]


def fts5_string(term: str) -> str:
    """A term as an FTS5 string literal: the tokenizer (porter) splits and stems what is inside,
    so a multi-word term is a phrase, and nothing inside is an operator."""
    return '"' + term.replace('"', '""') + '"'


def fts5_all(terms: list[str]) -> str:
    return " AND ".join(fts5_string(t) for t in terms)


def fts5_any(terms: list[str]) -> str:
    return " OR ".join(fts5_string(t) for t in terms)


def fts5_group(group: Group) -> str:
    """FTS5 expression of a group with at least one positive term."""
    expr = f"({fts5_all(group.positive)})"
    if group.negative:
        expr += f" NOT ({fts5_any(group.negative)})"
    return expr


# --- cursor ------------------------------------------------------------------------------------


def encode_cursor(timestamp: datetime, row_id: int) -> str:
    raw = json.dumps({"t": timestamp.isoformat(), "i": row_id}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        timestamp = datetime.fromisoformat(data["t"])
        row_id = data["i"]
        if timestamp.tzinfo is None or not isinstance(row_id, int) or isinstance(row_id, bool):
            raise ValueError("bad cursor fields")
    except (binascii.Error, ValueError, TypeError, KeyError, UnicodeDecodeError) as exc:
        raise InvalidInput("cursor is not valid", code="invalid_cursor") from exc
    return timestamp, row_id
