"""Calibration from feedback: the user's severity thresholds and per-camera risk offsets.

The reference rules give each feedback a *pull* on the thresholds (false positive: raise,
missed threat: lower, severity wrong: half effect, in the direction the user's expected severity
says). Unlike the reference, nothing moves on every feedback: pulls accumulate over an evidence
window of ``calibration_window`` new feedbacks, then one adjustment of at most
``calibration_max_step`` points is applied, and thresholds stay within ``calibration_max_shift``
of their defaults. Camera offsets likewise change once per window, from that window's own
false-positive rate (the reference re-applied the lifetime rate on every feedback: a ratchet).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.core.config import Settings
from vigil.models import Base, CameraCalibration, Event, UserCalibration
from vigil.models.calibration import DEFAULT_USER

DEFAULT_THRESHOLDS = (30, 60, 85)
DEFAULT_DECAY = 0.1
MIN_GAP = 5
SEVERITY_ORDER = {"low": 0, "medium": 1, "high": 2, "critical": 3}
# Window false-positive rates that move a camera's offset, and by how much.
HIGH_FP_RATE, HIGH_FP_STEP = 0.5, -5
LOW_FP_RATE, LOW_FP_STEP = 0.1, 2


def severity_for(score: int, user: UserCalibration) -> str:
    if score < user.low_threshold:
        return "low"
    if score < user.medium_threshold:
        return "medium"
    if score < user.high_threshold:
        return "high"
    return "critical"


def feedback_pull(
    feedback_type: str,
    score: int,
    *,
    actual_severity: str | None,
    expected_severity: str | None,
    decay: float,
) -> int:
    """Points this feedback pulls the thresholds by (positive raises them: fewer alerts)."""
    base = max(1, int(10 * decay)) if decay > 0 else 0
    raise_by = int(base * max(1.0, score / 50))
    lower_by = int(base * max(1.0, (100 - score) / 50))
    if feedback_type == "false_positive":
        return raise_by
    if feedback_type == "missed_threat":
        return -lower_by
    if feedback_type == "severity_wrong" and actual_severity and expected_severity:
        actual, expected = SEVERITY_ORDER[actual_severity], SEVERITY_ORDER[expected_severity]
        if expected < actual:  # rated too high: be less sensitive, half effect
            return max(1, int(base * max(1.0, score / 50) * 0.5))
        if expected > actual:  # rated too low: be more sensitive
            return -max(1, int(base * max(1.0, (100 - score) / 50) * 0.5))
    return 0


def ordered_thresholds(low: int, medium: int, high: int) -> tuple[int, int, int]:
    """The reference's apply rules: clamp, keep a 5-point gap, push back inside 0..100."""
    low, medium, high = (max(0, min(100, v)) for v in (low, medium, high))
    medium = max(medium, low + MIN_GAP)
    high = max(high, medium + MIN_GAP)
    if high > 100:
        high = 100
        medium = min(medium, high - MIN_GAP)
        low = min(low, medium - MIN_GAP)
    if low < 0:
        low = 0
        medium = max(medium, low + MIN_GAP)
        high = max(high, medium + MIN_GAP)
    return max(0, min(90, low)), max(5, min(95, medium)), max(10, min(100, high))


async def _ensure_row(session: AsyncSession, model: type[Base], **key: str) -> None:
    """Insert the row with its server defaults unless it exists: two first feedbacks at once
    must not collide on the primary key (get-then-insert would turn one into a 409)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    await session.execute(insert(model).values(**key).on_conflict_do_nothing())


async def user_calibration(session: AsyncSession, user_id: str = DEFAULT_USER) -> UserCalibration:
    """The user's calibration row, created if missing and locked for this transaction."""
    await _ensure_row(session, UserCalibration, user_id=user_id)
    query = select(UserCalibration).where(UserCalibration.user_id == user_id).with_for_update()
    # populate_existing: the locked row's current values, not a stale copy in the identity map.
    row = await session.scalar(query.execution_options(populate_existing=True))
    assert row is not None
    return row


def default_user(user_id: str = DEFAULT_USER) -> UserCalibration:
    low, medium, high = DEFAULT_THRESHOLDS
    return UserCalibration(
        user_id=user_id,
        low_threshold=low,
        medium_threshold=medium,
        high_threshold=high,
        decay_factor=DEFAULT_DECAY,
        false_positive_count=0,
        missed_threat_count=0,
        feedback_count=0,
        window_count=0,
        window_pull=0,
        adjustments=0,
        updated_at=datetime.now(UTC),
    )


async def camera_calibration(session: AsyncSession, camera_id: str) -> CameraCalibration:
    """The camera's calibration row, created if missing and locked for this transaction."""
    await _ensure_row(session, CameraCalibration, camera_id=camera_id)
    query = (
        select(CameraCalibration).where(CameraCalibration.camera_id == camera_id).with_for_update()
    )
    row = await session.scalar(query.execution_options(populate_existing=True))
    assert row is not None
    return row


def _apply_user_window(user: UserCalibration, settings: Settings) -> None:
    step = max(-settings.calibration_max_step, min(settings.calibration_max_step, user.window_pull))
    shift = settings.calibration_max_shift
    current = (user.low_threshold, user.medium_threshold, user.high_threshold)
    moved = [
        max(default - shift, min(default + shift, value + step))
        for value, default in zip(current, DEFAULT_THRESHOLDS, strict=True)
    ]
    user.low_threshold, user.medium_threshold, user.high_threshold = ordered_thresholds(*moved)
    user.window_count = 0
    user.window_pull = 0
    user.adjustments += 1


def _apply_camera_window(camera: CameraCalibration, settings: Settings) -> None:
    rate = camera.window_false_positive_count / camera.window_count
    limit = settings.calibration_camera_offset_limit
    if rate > HIGH_FP_RATE:
        camera.risk_offset = max(-limit, camera.risk_offset + HIGH_FP_STEP)
    elif rate < LOW_FP_RATE:
        camera.risk_offset = min(limit, camera.risk_offset + LOW_FP_STEP)
    camera.window_count = 0
    camera.window_false_positive_count = 0
    camera.adjustments += 1


async def apply_feedback(
    session: AsyncSession,
    event: Event,
    feedback_type: str,
    *,
    expected_severity: str | None,
    suggested_score: int | None,
    settings: Settings,
) -> None:
    """Fold one new feedback into the calibration state (in the caller's transaction)."""
    now = datetime.now(UTC)
    camera = await camera_calibration(session, event.camera_id)
    camera.total_feedback_count += 1
    camera.window_count += 1
    if feedback_type == "false_positive":
        camera.false_positive_count += 1
        camera.window_false_positive_count += 1
    camera.false_positive_rate = camera.false_positive_count / camera.total_feedback_count
    if suggested_score is not None:
        # Mean over the feedbacks that carried a score (not over all feedback).
        camera.suggested_score_count += 1
        previous = camera.avg_user_suggested_score or 0.0
        camera.avg_user_suggested_score = (
            previous + (suggested_score - previous) / camera.suggested_score_count
        )
    if camera.window_count >= settings.calibration_window:
        _apply_camera_window(camera, settings)
    camera.updated_at = now

    if event.risk_score is None:
        return  # no score: nothing to say about the thresholds
    user = await user_calibration(session)
    actual = event.risk_level or severity_for(event.risk_score, user)
    pull = feedback_pull(
        feedback_type,
        event.risk_score,
        actual_severity=actual,
        expected_severity=expected_severity,
        decay=user.decay_factor,
    )
    user.feedback_count += 1
    if feedback_type == "false_positive" or (feedback_type == "severity_wrong" and pull > 0):
        user.false_positive_count += 1
    elif feedback_type == "missed_threat" or (feedback_type == "severity_wrong" and pull < 0):
        user.missed_threat_count += 1
    user.window_count += 1
    user.window_pull += pull
    if user.window_count >= settings.calibration_window:
        _apply_user_window(user, settings)
    user.updated_at = now
    await session.flush()


async def read_calibration(
    session: AsyncSession,
) -> tuple[UserCalibration, list[CameraCalibration]]:
    # Read-only: an uncalibrated user is shown the defaults without writing a row.
    user = await session.get(UserCalibration, DEFAULT_USER) or default_user()
    cameras = (
        await session.scalars(select(CameraCalibration).order_by(CameraCalibration.camera_id))
    ).all()
    return user, list(cameras)


async def reset_calibration(session: AsyncSession, camera_id: str | None = None) -> None:
    if camera_id is not None:
        await session.execute(
            delete(CameraCalibration).where(CameraCalibration.camera_id == camera_id)
        )
        return
    await session.execute(delete(CameraCalibration))
    await session.execute(delete(UserCalibration).where(UserCalibration.user_id == DEFAULT_USER))
    await session.flush()
