from __future__ import annotations

from datetime import UTC, datetime

import pytest

from vigil.core.errors import InvalidInput
from vigil.logs.query import (
    Group,
    decode_cursor,
    encode_cursor,
    fts5_group,
    parse_websearch,
    validate_query,
)


def test_websearch_parsing() -> None:
    assert parse_websearch('camera "connection failed" -timeout or webhook') == [
        Group(positive=["camera", "connection failed"], negative=["timeout"]),
        Group(positive=["webhook"]),
    ]
    assert parse_websearch('-"pool resized" -x') == [Group(negative=["pool resized", "x"])]
    assert parse_websearch("or or") == []
    assert parse_websearch('"unterminated phrase') == [Group(positive=["unterminated phrase"])]
    assert parse_websearch("--- a-b") == [Group(positive=["a-b"])]


def test_fts5_rendering_quotes_everything() -> None:
    group = Group(positive=['say "hi"', "NEAR(a", "col:val*"], negative=["AND"])
    assert fts5_group(group) == '("say ""hi""" AND "NEAR(a" AND "col:val*") NOT ("AND")'


def test_query_validation() -> None:
    assert validate_query("  camera  ") == "camera"
    for bad in ("", "   ", "---", "x" * 501, "a\x00b"):
        with pytest.raises(InvalidInput):
            validate_query(bad)


def test_cursor_round_trip_and_tamper() -> None:
    at = datetime(2026, 1, 1, 12, 30, 15, 123456, tzinfo=UTC)
    assert decode_cursor(encode_cursor(at, 42)) == (at, 42)
    for bad in ("", "%%%", encode_cursor(at, 42)[:-3], "eyJ0IjoiMjAyNi0wMS0wMSIsImkiOjF9"):
        with pytest.raises(InvalidInput):
            decode_cursor(bad)
