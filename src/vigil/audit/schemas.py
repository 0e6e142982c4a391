from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel

from vigil.core.schemas import ReadModel

AuditStatus = Literal["success", "failure"]


class AuditLogRead(ReadModel):
    id: int
    timestamp: datetime
    action: str
    resource_type: str
    resource_id: str | None
    actor: str
    ip_address: str | None
    user_agent: str | None
    details: dict[str, Any] | None
    status: str
    prev_hash: str | None
    row_hash: str | None


class CountItem(BaseModel):
    key: str
    count: int


class AuditStats(BaseModel):
    total_logs: int
    logs_today: int
    by_action: dict[str, int]
    by_resource_type: dict[str, int]
    by_status: dict[str, int]
    # Top 10 actors over the last 7 days (a rolling 7 x 24 h window).
    recent_actors: list[CountItem]


class VerifyRead(BaseModel):
    ok: bool
    # Rows re-hashed by this check (routine checks: only those after the checkpoint).
    checked: int
    first_bad_id: int | None
    problem: str | None
    anchor_id: int | None
    # True when every row was re-hashed; False for a routine check from the checkpoint.
    full: bool = True
    # The checkpointed row a routine check started after (null for a full check).
    checkpoint_id: int | None = None
    # The newest row known intact after this check.
    verified_through: int | None = None
    # When a full re-hash last passed (null: never).
    last_full_at: datetime | None = None
