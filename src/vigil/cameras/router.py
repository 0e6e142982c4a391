from __future__ import annotations

from fastapi import APIRouter, Query, status

from vigil.cameras import service
from vigil.cameras.schemas import CameraCreate, CameraRead, CameraUpdate
from vigil.core.db import SessionDep
from vigil.core.errors import responses
from vigil.core.schemas import Page

router = APIRouter(prefix="/api/cameras", tags=["cameras"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=CameraRead,
    responses=responses(409, 422),
)
async def create_camera(data: CameraCreate, session: SessionDep) -> CameraRead:
    """Register a camera; its id is normalised from the name ("Front Door" → front_door)."""
    return CameraRead.model_validate(await service.create_camera(session, data))


@router.get("", response_model=Page[CameraRead])
async def list_cameras(
    session: SessionDep,
    include_deleted: bool = False,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
) -> Page[CameraRead]:
    """List cameras by name."""
    rows, total = await service.list_cameras(
        session, include_deleted=include_deleted, limit=limit, offset=offset
    )
    return Page(
        items=[CameraRead.model_validate(c) for c in rows],
        total=total,
        limit=limit,
        offset=offset,
        has_more=offset + len(rows) < total,
    )


@router.get("/{camera_id}", response_model=CameraRead, responses=responses(404))
async def get_camera(camera_id: str, session: SessionDep) -> CameraRead:
    """One camera."""
    return CameraRead.model_validate(await service.get_camera(session, camera_id))


@router.patch("/{camera_id}", response_model=CameraRead, responses=responses(404, 409, 422))
async def update_camera(camera_id: str, data: CameraUpdate, session: SessionDep) -> CameraRead:
    """Change a camera's name, folder or status (the id never changes)."""
    return CameraRead.model_validate(await service.update_camera(session, camera_id, data))


@router.delete("/{camera_id}", response_model=CameraRead, responses=responses(404))
async def delete_camera(camera_id: str, session: SessionDep) -> CameraRead:
    """Soft-delete a camera: hidden from lists, its history kept."""
    return CameraRead.model_validate(await service.soft_delete_camera(session, camera_id))


@router.post("/{camera_id}/restore", response_model=CameraRead, responses=responses(404))
async def restore_camera(camera_id: str, session: SessionDep) -> CameraRead:
    """Undo a soft delete."""
    return CameraRead.model_validate(await service.restore_camera(session, camera_id))
