from __future__ import annotations

from fastapi import APIRouter, status

from vigil.core.deps import SessionDep, SettingsDep
from vigil.core.errors import responses
from vigil.feedback import calibration, service
from vigil.feedback.schemas import (
    CalibrationRead,
    CalibrationReset,
    CameraCalibrationRead,
    FeedbackCreate,
    FeedbackRead,
    FeedbackStats,
    UserCalibrationRead,
)

router = APIRouter(tags=["feedback"])


@router.post(
    "/api/feedback",
    status_code=status.HTTP_201_CREATED,
    response_model=FeedbackRead,
    responses=responses(404, 409, 422),
)
async def create_feedback(
    data: FeedbackCreate, session: SessionDep, settings: SettingsDep
) -> FeedbackRead:
    """Record the user's verdict on an event (one per event) and update calibration."""
    return FeedbackRead.model_validate(await service.create_feedback(session, data, settings))


@router.get("/api/feedback/stats", response_model=FeedbackStats)
async def feedback_stats(session: SessionDep) -> FeedbackStats:
    """Feedback by type, by camera (with false-positive rate) and by object class."""
    return FeedbackStats.model_validate(await service.stats(session))


@router.get("/api/feedback/event/{event_id}", response_model=FeedbackRead, responses=responses(404))
async def get_event_feedback(event_id: int, session: SessionDep) -> FeedbackRead:
    """The feedback given for one event."""
    return FeedbackRead.model_validate(await service.feedback_for_event(session, event_id))


async def _calibration(session: SessionDep, settings: SettingsDep) -> CalibrationRead:
    user, cameras = await calibration.read_calibration(session)
    return CalibrationRead(
        user=UserCalibrationRead.model_validate(user),
        is_calibrated=user.false_positive_count > 0 or user.missed_threat_count > 0,
        window_size=settings.calibration_window,
        cameras=[CameraCalibrationRead.model_validate(c) for c in cameras],
    )


@router.get("/api/calibration", response_model=CalibrationRead, tags=["calibration"])
async def get_calibration(session: SessionDep, settings: SettingsDep) -> CalibrationRead:
    """Current severity thresholds and per-camera risk offsets learned from feedback."""
    return await _calibration(session, settings)


@router.post(
    "/api/calibration/reset",
    response_model=CalibrationRead,
    responses=responses(422),
    tags=["calibration"],
)
async def reset_calibration(
    data: CalibrationReset, session: SessionDep, settings: SettingsDep
) -> CalibrationRead:
    """Forget what feedback taught: one camera's offset, or everything."""
    await calibration.reset_calibration(session, data.camera_id)
    return await _calibration(session, settings)
