"""The job state machine: the one status vocabulary and the moves allowed between statuses.

Every status change goes through ``check_transition`` and is recorded as a ``job_transitions``
row by the caller, in the same transaction as the change itself.
"""

from __future__ import annotations

from vigil.core.errors import Conflict
from vigil.models.job import JOB_STATUSES, TRANSITION_TRIGGERS

QUEUED, RUNNING, COMPLETED, FAILED, CANCELLED = JOB_STATUSES

# ``running -> queued`` is an automatic retry (or a release at shutdown); ``failed|cancelled ->
# queued`` is a manual retry. ``None`` is the job's creation. Completed is terminal.
ALLOWED: dict[str | None, frozenset[str]] = {
    None: frozenset({QUEUED}),
    QUEUED: frozenset({RUNNING, CANCELLED}),
    RUNNING: frozenset({COMPLETED, FAILED, CANCELLED, QUEUED}),
    FAILED: frozenset({QUEUED}),
    CANCELLED: frozenset({QUEUED}),
    COMPLETED: frozenset(),
}


class InvalidTransition(Conflict):
    code = "invalid_transition"

    def __init__(self, job_id: str, from_status: str | None, to_status: str) -> None:
        super().__init__(f"job {job_id} cannot move from {from_status or 'new'} to {to_status}")
        self.job_id = job_id
        self.from_status = from_status
        self.to_status = to_status


def can_transition(from_status: str | None, to_status: str) -> bool:
    return to_status in ALLOWED.get(from_status, frozenset())


def check_transition(job_id: str, from_status: str | None, to_status: str, trigger: str) -> None:
    """Refuse a move the state machine does not allow (or an unknown trigger)."""
    if trigger not in TRANSITION_TRIGGERS:
        raise ValueError(f"unknown transition trigger {trigger!r}")
    if not can_transition(from_status, to_status):
        raise InvalidTransition(job_id, from_status, to_status)
