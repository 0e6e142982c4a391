"""Calibration: one bounded adjustment per evidence window, no ratchet; severity_wrong
direction from expected_severity; suggested-score mean over scored feedback only."""

from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import make_camera, make_event
from vigil.core.config import Settings, load_settings
from vigil.feedback.calibration import feedback_pull, ordered_thresholds, read_calibration
from vigil.feedback.schemas import FeedbackCreate
from vigil.feedback.service import create_feedback


def _settings(database_url: str, tmp_path: Path, window: int = 5) -> Settings:
    return load_settings(
        database_url=database_url,
        data_dir=tmp_path,
        background_tasks=False,
        calibration_window=window,
        calibration_max_step=5,
        calibration_max_shift=20,
    )


async def _feedback(
    session: AsyncSession, settings: Settings, feedback_type: str, score: int = 80, **kw: object
) -> None:
    event = await make_event(session, "front_door", risk_score=score)
    await create_feedback(
        session, FeedbackCreate(event_id=event.id, feedback_type=feedback_type, **kw), settings
    )
    await session.commit()


def test_pull_rules_follow_the_reference() -> None:
    # base = int(10 * 0.1) = 1; score 80 -> raise by int(1 * 1.6) = 1
    assert (
        feedback_pull(
            "false_positive", 80, actual_severity="high", expected_severity=None, decay=0.1
        )
        == 1
    )
    assert (
        feedback_pull("missed_threat", 10, actual_severity="low", expected_severity=None, decay=0.1)
        == -1
    )
    assert (
        feedback_pull("accurate", 50, actual_severity="medium", expected_severity=None, decay=0.1)
        == 0
    )
    # severity_wrong follows the expected severity, both ways (not always "false positive").
    assert (
        feedback_pull(
            "severity_wrong", 70, actual_severity="high", expected_severity="low", decay=0.1
        )
        == 1
    )
    assert (
        feedback_pull(
            "severity_wrong", 70, actual_severity="high", expected_severity="critical", decay=0.1
        )
        == -1
    )
    assert ordered_thresholds(98, 99, 100) == (90, 95, 100)


async def test_adjusts_once_per_window_and_stays_bounded(
    session: AsyncSession, database_url: str, tmp_path: Path
) -> None:
    settings = _settings(database_url, tmp_path, window=5)
    await make_camera(session, "Front Door")
    for _ in range(4):
        await _feedback(session, settings, "false_positive", score=100)
    user, cameras = await read_calibration(session)
    assert (user.low_threshold, user.adjustments, user.window_count) == (30, 0, 4)
    assert cameras[0].risk_offset == 0  # no adjustment before the window is full
    await _feedback(session, settings, "false_positive", score=100)
    user, cameras = await read_calibration(session)
    # pull 2 per feedback x 5 = 10, capped at max_step 5: exactly one step.
    assert (user.low_threshold, user.medium_threshold, user.high_threshold) == (35, 65, 90)
    assert cameras[0].risk_offset == -5 and cameras[0].adjustments == 1
    for _ in range(45):
        await _feedback(session, settings, "false_positive", score=100)
    session.expire_all()
    user, cameras = await read_calibration(session)
    assert user.adjustments == 10  # 50 feedbacks / window of 5
    assert user.low_threshold == 50 and user.medium_threshold == 80  # default + max_shift
    assert user.high_threshold == 100
    assert cameras[0].risk_offset == -30  # bounded by the offset limit
    assert cameras[0].false_positive_rate == 1.0


async def test_severity_wrong_direction_and_suggested_mean(
    client: httpx.AsyncClient, session: AsyncSession, database_url: str, tmp_path: Path
) -> None:
    settings = _settings(database_url, tmp_path, window=2)
    await make_camera(session, "Front Door")
    await _feedback(
        session, settings, "severity_wrong", 70, expected_severity="critical", suggested_score=90
    )
    await _feedback(session, settings, "accurate", 50)
    await _feedback(
        session, settings, "severity_wrong", 70, expected_severity="critical", suggested_score=70
    )
    await _feedback(session, settings, "accurate", 50)
    session.expire_all()
    user, cameras = await read_calibration(session)
    assert user.missed_threat_count == 2 and user.false_positive_count == 0
    assert user.low_threshold < 30  # rated too low -> more sensitive
    camera = cameras[0]
    # Mean over the two scored feedbacks, not over all four.
    assert camera.avg_user_suggested_score == 80.0 and camera.suggested_score_count == 2
    await session.commit()  # end the test's transaction (on SQLite it holds the write lock)
    body = (await client.get("/api/calibration")).json()
    assert body["is_calibrated"] is True
    assert body["cameras"][0]["camera_id"] == "front_door"
    r = await client.post("/api/calibration/reset", json={})
    assert r.status_code == 200
    assert r.json()["user"]["low_threshold"] == 30 and r.json()["cameras"] == []
    assert r.json()["is_calibrated"] is False
    # The reset is in the audit trail, bulk statements included.
    trail = (await client.get("/api/audit?action=calibration.reset")).json()["items"]
    assert len(trail) == 1 and trail[0]["status"] == "success"
    ops = {(c["op"], c["table"]) for c in trail[0]["details"]["changes"]}
    assert ("bulk_delete", "camera_calibrations") in ops
