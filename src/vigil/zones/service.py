"""Camera zones: CRUD and membership of detections. Services flush; the caller commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.cameras.service import get_camera
from vigil.core.errors import Conflict, InvalidInput, NotFound
from vigil.models import CameraZone, Detection
from vigil.zones.geometry import anchor_point, point_in_polygon
from vigil.zones.schemas import ZoneCreate, ZoneUpdate, validate_shape


async def list_zones(
    session: AsyncSession, camera_id: str, *, enabled: bool | None = None
) -> Sequence[CameraZone]:
    """Zones of a camera, highest priority first (ties by name, then id, so order is stable)."""
    await get_camera(session, camera_id)
    query = select(CameraZone).where(CameraZone.camera_id == camera_id)
    if enabled is not None:
        query = query.where(CameraZone.enabled.is_(enabled))
    query = query.order_by(CameraZone.priority.desc(), CameraZone.name, CameraZone.id)
    return (await session.scalars(query)).all()


async def get_zone(session: AsyncSession, camera_id: str, zone_id: str) -> CameraZone:
    await get_camera(session, camera_id)
    zone = await session.get(CameraZone, zone_id)
    if zone is None or zone.camera_id != camera_id:
        raise NotFound(f"zone {zone_id!r} not found on camera {camera_id!r}", code="zone_not_found")
    return zone


async def create_zone(session: AsyncSession, camera_id: str, data: ZoneCreate) -> CameraZone:
    await get_camera(session, camera_id)
    zone_id = data.id or str(uuid.uuid4())
    if await session.get(CameraZone, zone_id) is not None:
        raise Conflict(f"a zone with id {zone_id!r} already exists", code="zone_exists")
    zone = CameraZone(
        id=zone_id, camera_id=camera_id, **data.model_dump(exclude={"id"}, exclude_none=True)
    )
    session.add(zone)
    await session.flush()
    await session.refresh(zone)
    return zone


async def update_zone(
    session: AsyncSession, camera_id: str, zone_id: str, data: ZoneUpdate
) -> CameraZone:
    zone = await get_zone(session, camera_id, zone_id)
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if "shape" in changes or "coordinates" in changes:
        shape = changes.get("shape", zone.shape)
        try:
            changes["coordinates"] = validate_shape(
                shape, changes.get("coordinates", zone.coordinates)
            )
        except ValueError as exc:
            raise InvalidInput(f"coordinates: {exc}", code="invalid_zone") from None
    for field, value in changes.items():
        setattr(zone, field, value)
    await session.flush()
    await session.refresh(zone)
    return zone


async def delete_zone(session: AsyncSession, camera_id: str, zone_id: str) -> None:
    zone = await get_zone(session, camera_id, zone_id)
    await session.delete(zone)
    await session.flush()


def detection_anchor(
    detection: Detection, mode: str = "bottom_center"
) -> tuple[float, float] | None:
    """Anchor of a stored detection (see ``geometry.anchor_point``), or None when it has no
    usable bbox or image size (no default resolution is assumed: guessing 1920x1080 puts other
    cameras' detections in the wrong place)."""
    box = (detection.bbox_x, detection.bbox_y, detection.bbox_width, detection.bbox_height)
    size = (detection.image_width, detection.image_height)
    if any(v is None for v in box) or any(v is None for v in size):
        return None
    try:
        return anchor_point(*box, *size, mode=mode)  # type: ignore[arg-type]
    except ValueError:
        return None


def zones_containing(point: tuple[float, float], zones: Sequence[CameraZone]) -> list[str]:
    """Ids of the enabled zones containing ``point``, in the given (priority) order."""
    return [
        z.id
        for z in zones
        if z.enabled and point_in_polygon(point, [(p[0], p[1]) for p in z.coordinates])
    ]


async def enabled_zones(session: AsyncSession, camera_id: str) -> Sequence[CameraZone]:
    query = (
        select(CameraZone)
        .where(CameraZone.camera_id == camera_id, CameraZone.enabled.is_(True))
        .order_by(CameraZone.priority.desc(), CameraZone.name, CameraZone.id)
    )
    return (await session.scalars(query)).all()


async def assign_zones(
    session: AsyncSession,
    camera_id: str,
    detections: Sequence[Detection],
    anchor: str = "bottom_center",
) -> dict[int, list[str]]:
    """Store on each detection the zones its anchor is in; return detection id -> zone ids for
    the detections where membership could be computed."""
    if not detections:
        return {}
    zones = await enabled_zones(session, camera_id)
    result: dict[int, list[str]] = {}
    for detection in detections:
        point = detection_anchor(detection, anchor)
        if point is None:
            detection.zone_ids = None
            continue
        ids = zones_containing(point, zones)
        detection.zone_ids = ids
        result[detection.id] = ids
    await session.flush()
    return result
