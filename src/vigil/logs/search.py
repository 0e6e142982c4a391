"""Log search: filters plus full text through each database's index, newest first.

Full-text matching uses the index built for it: PostgreSQL ``websearch_to_tsquery`` against the
weighted ``search_vector`` (GIN), SQLite the FTS5 table ``logs_fts`` (porter stemming).

Newest-first pages need only the newest ``limit`` matches, but an index lookup yields *every*
match, which then has to be fetched and sorted by time: slow for a common word in a big table.
So, where the database's planner cannot weigh that itself (SQLite never sees inside the FTS5
subquery; PostgreSQL badly underestimates phrases), a text search first looks in a recent time
window and widens it by the match density it saw until the page is full. If matches turn out to
be sparse (walking the time index would cost more than fetching every match), it asks the index
for all matches at once. Each windowed answer is exact: a full page found within [t, ∞) is the
page, since every row outside it is older.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, false, func, literal_column, or_, select, table
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from vigil.core.errors import InvalidInput
from vigil.logs.query import (
    decode_cursor,
    encode_cursor,
    fts5_any,
    fts5_group,
    parse_websearch,
    validate_query,
)
from vigil.models import Log

_FTS = table("logs_fts", literal_column("rowid"))
FIRST_WINDOW = timedelta(hours=1)
MAX_WINDOW = timedelta(days=400)
MAX_WINDOWED_PASSES = 3
# Fetching one index match (row lookup + sort) costs about this many timestamp-index entries.
MATCH_COST = 5


@dataclass
class LogFilter:
    levels: list[str] | None = None
    component: str | None = None
    camera_id: str | None = None
    source: str | None = None
    request_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    q: str | None = None


def _fts_rowids(expression: str) -> Any:
    # A subquery over the FTS5 index only; the expression is bound as a parameter.
    return (
        select(literal_column("rowid"))
        .select_from(_FTS)
        .where(literal_column("logs_fts").op("MATCH")(expression))
    )


def text_condition(dialect: str, q: str, *, time_first: bool = False) -> ColumnElement[bool]:
    """Full-text match that uses each database's index (GIN tsvector / FTS5).

    ``time_first`` (SQLite): match ids as ``id + 0`` so the planner cannot drive the query from
    the id list and walks the timestamp index of a time window instead, checking each id
    against the FTS5 matches (SQLite's documented way to disqualify an index).
    """
    q = validate_query(q)
    if dialect == "postgresql":
        query = func.websearch_to_tsquery(literal_column("'english'::regconfig"), q)
        return Log.search_vector.op("@@")(query)
    groups = parse_websearch(q)
    ids = Log.id + 0 if time_first else Log.id
    conditions: list[ColumnElement[bool]] = []
    with_terms = [g for g in groups if g.positive]
    if with_terms:
        expression = " OR ".join(fts5_group(g) for g in with_terms)
        conditions.append(ids.in_(_fts_rowids(expression)))
    # FTS5 cannot express "NOT x" alone; a group of only exclusions becomes NOT IN.
    for group in groups:
        if not group.positive:
            conditions.append(ids.not_in(_fts_rowids(fts5_any(group.negative))))
    return or_(*conditions) if conditions else false()


def _conditions(dialect: str, f: LogFilter, *, time_first: bool = False) -> list[Any]:
    if f.since is not None and f.until is not None and f.since > f.until:
        raise InvalidInput("since must not be after until", code="invalid_range")
    conditions: list[Any] = []
    if f.levels:
        conditions.append(Log.level.in_(f.levels))
    if f.component is not None:
        conditions.append(Log.component == f.component)
    if f.camera_id is not None:
        conditions.append(Log.camera_id == f.camera_id)
    if f.source is not None:
        conditions.append(Log.source == f.source)
    if f.request_id is not None:
        conditions.append(Log.request_id == f.request_id)
    if f.since is not None:
        conditions.append(Log.timestamp >= f.since)
    if f.until is not None:
        conditions.append(Log.timestamp <= f.until)
    if f.q:
        conditions.append(text_condition(dialect, f.q, time_first=time_first))
    return conditions


async def _page(session: AsyncSession, conditions: list[Any], limit: int) -> list[Log]:
    """The newest ``limit + 1`` rows matching ``conditions``."""
    newest_first = (Log.timestamp.desc(), Log.id.desc())
    # Pick the page's ids first and load whole rows only for them: sorting narrow
    # (timestamp, id) pairs instead of full rows is much cheaper when many rows match.
    page_ids = select(Log.id).where(*conditions).order_by(*newest_first).limit(limit + 1)
    query = select(Log).where(Log.id.in_(page_ids.scalar_subquery())).order_by(*newest_first)
    return list((await session.scalars(query)).all())


def _windowing_pays(dialect: str, q: str) -> bool:
    # PostgreSQL's planner already chooses between GIN and a newest-first index scan from its
    # tsvector statistics, except for phrases, whose selectivity it underestimates.
    return dialect == "sqlite" or '"' in q


async def _dense_enough(
    session: AsyncSession, conditions: list[Any], found: int, limit: int
) -> bool:
    """Is walking the time index (about ``(limit + 1) / density`` entries) cheaper than
    fetching all ``density * N`` matches? ``found`` matches were among the rows in
    ``conditions`` (the first window without the text condition)."""
    in_window = await session.scalar(select(func.count()).select_from(Log).where(*conditions))
    # Separate min and max: SQLite answers each from the primary key only when it is alone.
    low = await session.scalar(select(func.min(Log.id)))
    high = await session.scalar(select(func.max(Log.id)))
    total = (high - low + 1) if low is not None and high is not None else 0
    density = found / max(in_window or 0, found)
    return (limit + 1) / density <= MATCH_COST * density * total


async def _text_page(
    session: AsyncSession,
    dialect: str,
    f: LogFilter,
    keyset: list[Any],
    limit: int,
    reference: datetime,
) -> list[Log]:
    index_only = [*_conditions(dialect, f), *keyset]
    if not f.q or not _windowing_pays(dialect, f.q):
        return await _page(session, index_only, limit)
    windowed = [*_conditions(dialect, f, time_first=True), *keyset]
    window = FIRST_WINDOW
    for attempt in range(MAX_WINDOWED_PASSES):
        lower = reference - window
        if f.since is not None and lower <= f.since:
            break  # the window already spans the whole requested range
        rows = await _page(session, [*windowed, Log.timestamp >= lower], limit)
        if len(rows) > limit:
            return rows
        if not rows:
            break  # nothing recent: a rare term, which the index alone finds fastest
        if attempt == 0:
            without_text = [*_conditions(dialect, replace(f, q=None)), *keyset]
            if not await _dense_enough(
                session, [*without_text, Log.timestamp >= lower], len(rows), limit
            ):
                break
        # Widen to where, at the density just seen, about twice a page should be.
        window *= max(4, math.ceil(2 * (limit + 1) / len(rows)))
        if window >= MAX_WINDOW:
            break
    return await _page(session, index_only, limit)


async def search_logs(
    session: AsyncSession, f: LogFilter, *, limit: int, cursor: str | None = None
) -> tuple[list[Log], str | None]:
    """Newest first, keyset-paginated on (timestamp, id): stable while new rows arrive."""
    dialect = session.get_bind().dialect.name
    keyset: list[Any] = []
    cursor_at: datetime | None = None
    if cursor:
        cursor_at, row_id = decode_cursor(cursor)
        keyset.append(
            or_(Log.timestamp < cursor_at, and_(Log.timestamp == cursor_at, Log.id < row_id))
        )
    if f.q:
        bounds = [t for t in (f.until, cursor_at) if t is not None]
        reference = min(bounds) if bounds else datetime.now(UTC)
        rows = await _text_page(session, dialect, f, keyset, limit, reference)
    else:
        rows = await _page(session, [*_conditions(dialect, f), *keyset], limit)
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1].timestamp, rows[-1].id)


async def newer_than(
    session: AsyncSession, f: LogFilter, *, after_id: int, limit: int
) -> list[Log]:
    """Rows inserted after ``after_id``, oldest first (for ``vigil logs tail -f``)."""
    dialect = session.get_bind().dialect.name
    query = (
        select(Log).where(Log.id > after_id, *_conditions(dialect, f)).order_by(Log.id).limit(limit)
    )
    return list((await session.scalars(query)).all())
