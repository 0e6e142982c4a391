"""Small factories for test data, written through the same services the API uses."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from vigil.cameras.schemas import CameraCreate
from vigil.cameras.service import create_camera
from vigil.core.config import Settings, load_settings
from vigil.events.schemas import IngestRequest
from vigil.events.service import ingest
from vigil.models import Camera, Event


async def make_camera(session: AsyncSession, name: str = "Front Door", **kw: Any) -> Camera:
    camera = await create_camera(session, CameraCreate(name=name, **kw))
    await session.commit()
    return camera


def detection(
    object_type: str = "person",
    confidence: float = 0.9,
    bbox: tuple[int, int, int, int] = (100, 100, 50, 100),
    image: tuple[int, int] = (1920, 1080),
    **kw: Any,
) -> dict[str, Any]:
    x, y, w, h = bbox
    return {
        "file_path": kw.pop("file_path", "/cameras/front_door/img.jpg"),
        "object_type": object_type,
        "confidence": confidence,
        "bbox": {"x": x, "y": y, "width": w, "height": h},
        "image_width": image[0],
        "image_height": image[1],
        **kw,
    }


async def make_event(
    session: AsyncSession,
    camera_id: str = "front_door",
    *,
    risk_score: int | None = 50,
    started_at: datetime | None = None,
    detections: list[dict[str, Any]] | None = None,
    settings: Settings | None = None,
    **kw: Any,
) -> Event:
    data = IngestRequest(
        camera_id=camera_id,
        started_at=started_at or datetime.now(UTC),
        risk_score=risk_score,
        detections=detections if detections is not None else [detection()],
        **kw,
    )
    event, _, _ = await ingest(session, data, settings or load_settings())
    await session.commit()
    return event
