"""Cameras and zones: the camera list, and per camera a frame on which zones are drawn and
edited by clicking points (saved through ``/api/cameras/{id}/zones``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.core.deps import SessionDep
from vigil.core.errors import NotFound
from vigil.models import Camera, CameraZone, Detection
from vigil.models.camera_zone import ZONE_TYPES
from vigil.web.render import render
from vigil.zones.geometry import anchor_point

router = APIRouter()
FRAME_W, FRAME_H = 1600, 900
RECENT_DETECTIONS = 150


async def camera_names(session: AsyncSession) -> dict[str, str]:
    rows = await session.execute(
        select(Camera.id, Camera.name).where(Camera.deleted_at.is_(None)).order_by(Camera.name)
    )
    return dict(rows.all())


async def zones_by_camera(session: AsyncSession) -> dict[str, list[CameraZone]]:
    grouped: dict[str, list[CameraZone]] = {}
    for zone in await session.scalars(
        select(CameraZone).order_by(
            CameraZone.camera_id, CameraZone.priority.desc(), CameraZone.name
        )
    ):
        grouped.setdefault(zone.camera_id, []).append(zone)
    return grouped


async def recent_anchor_points(
    session: AsyncSession, camera_id: str, mode: str = "bottom_center"
) -> list[tuple[float, float]]:
    """Zone anchors of recent detections (the same point zone membership uses), normalised by
    each image's own size: where activity happens, to help place zones."""
    rows = await session.execute(
        select(
            Detection.bbox_x,
            Detection.bbox_y,
            Detection.bbox_width,
            Detection.bbox_height,
            Detection.image_width,
            Detection.image_height,
        )
        .where(Detection.camera_id == camera_id, Detection.bbox_x.is_not(None))
        .order_by(Detection.detected_at.desc())
        .limit(RECENT_DETECTIONS)
    )
    points = []
    for x, y, w, h, iw, ih in rows:
        if iw and ih and x is not None and y is not None and w and h:
            points.append(anchor_point(x, y, w, h, iw, ih, mode=mode))
    return points


@router.get("/cameras", response_class=HTMLResponse)
async def cameras_page(request: Request, session: SessionDep) -> HTMLResponse:
    cameras = (
        await session.scalars(
            select(Camera).where(Camera.deleted_at.is_(None)).order_by(Camera.name)
        )
    ).all()
    detections = dict(
        (
            await session.execute(
                select(Detection.camera_id, func.count()).group_by(Detection.camera_id)
            )
        ).all()
    )
    return render(
        request,
        "pages/cameras.html",
        {
            "title": "Cameras & zones",
            "cameras": cameras,
            "zones": await zones_by_camera(session),
            "detections": detections,
        },
    )


@router.get("/cameras/{camera_id}", response_class=HTMLResponse)
async def camera_page(request: Request, camera_id: str, session: SessionDep) -> HTMLResponse:
    camera = await session.get(Camera, camera_id)
    if camera is None or camera.deleted_at is not None:
        raise NotFound(f"camera {camera_id!r} not found", code="camera_not_found")
    zones = (await zones_by_camera(session)).get(camera_id, [])
    zone_data: list[dict[str, Any]] = [
        {
            "id": z.id,
            "name": z.name,
            "color": z.color,
            "enabled": z.enabled,
            "coordinates": z.coordinates,
            "zone_type": z.zone_type,
            "priority": z.priority,
        }
        for z in zones
    ]
    return render(
        request,
        "pages/camera.html",
        {
            "title": camera.name,
            "camera": camera,
            "zones": zones,
            "zone_data": zone_data,
            "zone_types": ZONE_TYPES,
            "anchors": await recent_anchor_points(
                session, camera_id, request.app.state.settings.zone_anchor
            ),
            "W": FRAME_W,
            "H": FRAME_H,
        },
    )
