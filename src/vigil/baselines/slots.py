"""Hour slots: the unit baselines learn from. A slot is one local hour of one camera; its key is
(hour of day, weekday) in the deployment's time zone (``VIGIL_BASELINE_TIMEZONE``). Slots are
stepped in UTC, one hour at a time, so daylight-saving changes neither skip nor double time: the
repeated autumn hour is two slots with the same key, the skipped spring hour none."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

HOUR = timedelta(hours=1)


@cache
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def slot_start(moment: datetime, tz: ZoneInfo) -> datetime:
    """Start (aware UTC) of the local hour containing ``moment``."""
    local = moment.astimezone(tz)
    return local.replace(minute=0, second=0, microsecond=0).astimezone(UTC)


def slot_key(start: datetime, tz: ZoneInfo) -> tuple[int, int]:
    """(hour 0-23, weekday 0 = Monday) of a slot."""
    local = start.astimezone(tz)
    return local.hour, local.weekday()


def iter_slots(start: datetime, end: datetime) -> Iterator[datetime]:
    """Slot starts in [start, end), one hour apart (``start`` is itself a slot start)."""
    current = start
    while current < end:
        yield current
        current += HOUR
