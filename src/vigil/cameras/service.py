from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.cameras.schemas import CameraCreate, CameraUpdate, normalize_camera_id
from vigil.core.errors import Conflict, NotFound
from vigil.models import Camera


async def get_camera(
    session: AsyncSession, camera_id: str, *, include_deleted: bool = False
) -> Camera:
    camera = await session.get(Camera, camera_id)
    if camera is None or (camera.deleted_at is not None and not include_deleted):
        raise NotFound(f"camera {camera_id!r} not found", code="camera_not_found")
    return camera


async def create_camera(session: AsyncSession, data: CameraCreate) -> Camera:
    camera_id = normalize_camera_id(data.name)
    folder_path = data.folder_path or f"/cameras/{camera_id}"
    clash = await session.scalar(
        select(Camera).where(
            or_(Camera.id == camera_id, Camera.name == data.name, Camera.folder_path == folder_path)
        )
    )
    if clash is not None:
        raise Conflict(
            f"a camera with id {camera_id!r}, name {data.name!r} or folder {folder_path!r} "
            "already exists",
            code="camera_exists",
        )
    camera = Camera(id=camera_id, name=data.name, folder_path=folder_path, status=data.status)
    session.add(camera)
    await session.flush()
    await session.refresh(camera)
    return camera


async def list_cameras(
    session: AsyncSession, *, include_deleted: bool = False, limit: int = 100, offset: int = 0
) -> tuple[Sequence[Camera], int]:
    query = select(Camera)
    if not include_deleted:
        query = query.where(Camera.deleted_at.is_(None))
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = await session.scalars(query.order_by(Camera.name).limit(limit).offset(offset))
    return rows.all(), total


async def update_camera(session: AsyncSession, camera_id: str, data: CameraUpdate) -> Camera:
    camera = await get_camera(session, camera_id)
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    for field in ("name", "folder_path"):
        if field in changes and changes[field] != getattr(camera, field):
            clash = await session.scalar(
                select(Camera.id).where(getattr(Camera, field) == changes[field])
            )
            if clash is not None:
                raise Conflict(f"another camera already has {field} {changes[field]!r}")
    for field, value in changes.items():
        setattr(camera, field, value)
    await session.flush()
    return camera


async def soft_delete_camera(session: AsyncSession, camera_id: str) -> Camera:
    camera = await get_camera(session, camera_id)
    camera.deleted_at = datetime.now(UTC)
    await session.flush()
    return camera


async def restore_camera(session: AsyncSession, camera_id: str) -> Camera:
    camera = await get_camera(session, camera_id, include_deleted=True)
    camera.deleted_at = None
    await session.flush()
    return camera


async def touch_camera(session: AsyncSession, camera: Camera, seen_at: datetime) -> None:
    if camera.last_seen_at is None or seen_at > camera.last_seen_at:
        camera.last_seen_at = seen_at
