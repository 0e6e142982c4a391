"""``/api/cameras/{camera_id}/zones``: draw, list, change and remove a camera's zones."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from vigil.core.db import SessionDep
from vigil.core.errors import responses
from vigil.zones import service
from vigil.zones.schemas import ZoneCreate, ZoneRead, ZoneUpdate

router = APIRouter(prefix="/api/cameras/{camera_id}/zones", tags=["zones"])


@router.get("", response_model=list[ZoneRead], responses=responses(404))
async def list_zones(
    camera_id: str, session: SessionDep, enabled: bool | None = None
) -> list[ZoneRead]:
    """The camera's zones, highest priority first."""
    zones = await service.list_zones(session, camera_id, enabled=enabled)
    return [ZoneRead.model_validate(z) for z in zones]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=ZoneRead,
    responses=responses(404, 409, 422),
)
async def create_zone(camera_id: str, data: ZoneCreate, session: SessionDep) -> ZoneRead:
    """Create a zone. Points are normalised [x, y] in 0..1; a rectangle is 2 opposite corners or
    4 axis-aligned corners; a polygon has ≥ 3 points and must not cross itself."""
    return ZoneRead.model_validate(await service.create_zone(session, camera_id, data))


@router.get("/{zone_id}", response_model=ZoneRead, responses=responses(404))
async def get_zone(camera_id: str, zone_id: str, session: SessionDep) -> ZoneRead:
    """One zone of the camera."""
    return ZoneRead.model_validate(await service.get_zone(session, camera_id, zone_id))


@router.put("/{zone_id}", response_model=ZoneRead, responses=responses(404, 422))
@router.patch("/{zone_id}", response_model=ZoneRead, responses=responses(404, 422))
async def update_zone(
    camera_id: str, zone_id: str, data: ZoneUpdate, session: SessionDep
) -> ZoneRead:
    """Partial update: fields not given keep their value."""
    return ZoneRead.model_validate(await service.update_zone(session, camera_id, zone_id, data))


@router.delete("/{zone_id}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(404))
async def delete_zone(camera_id: str, zone_id: str, session: SessionDep) -> Response:
    """Remove a zone. Detections keep the zone ids they were tagged with."""
    await service.delete_zone(session, camera_id, zone_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
