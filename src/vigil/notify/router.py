from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from vigil.core.deps import SessionDep, SettingsDep
from vigil.core.errors import responses
from vigil.notify import service
from vigil.notify.schemas import (
    ChannelCreate,
    ChannelRead,
    ChannelUpdate,
    NotificationTest,
    NotificationTestResult,
)

router = APIRouter(prefix="/api/notification", tags=["notification"])


@router.get("/channels", response_model=list[ChannelRead])
async def list_channels(session: SessionDep) -> list[ChannelRead]:
    """Configured channels; URLs are shown masked and secrets never."""
    return [service.channel_read(c) for c in await service.list_channels(session)]


@router.post(
    "/channels",
    status_code=status.HTTP_201_CREATED,
    response_model=ChannelRead,
    responses=responses(409, 422),
)
async def create_channel(data: ChannelCreate, session: SessionDep) -> ChannelRead:
    """Add a named destination: an Apprise URL or a JSON webhook (optionally HMAC-signed)."""
    return service.channel_read(await service.create_channel(session, data))


@router.get("/channels/{channel_id}", response_model=ChannelRead, responses=responses(404))
async def get_channel(channel_id: uuid.UUID, session: SessionDep) -> ChannelRead:
    return service.channel_read(await service.get_channel(session, channel_id))


@router.patch("/channels/{channel_id}", response_model=ChannelRead, responses=responses(404, 422))
@router.put("/channels/{channel_id}", response_model=ChannelRead, responses=responses(404, 422))
async def update_channel(
    channel_id: uuid.UUID, data: ChannelUpdate, session: SessionDep
) -> ChannelRead:
    """Replace the URL or secret, or enable/disable the channel (name and kind are fixed)."""
    return service.channel_read(await service.update_channel(session, channel_id, data))


@router.delete(
    "/channels/{channel_id}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(404)
)
async def delete_channel(channel_id: uuid.UUID, session: SessionDep) -> Response:
    await service.delete_channel(session, channel_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/test", response_model=NotificationTestResult, responses=responses(404, 422))
async def test_notification(
    data: NotificationTest, session: SessionDep, settings: SettingsDep
) -> NotificationTestResult:
    """Send a test message to one channel now; ``ok`` says whether it was accepted."""
    result = await service.send_test(
        session, data.channel, data.message, settings.notify_timeout_seconds
    )
    return NotificationTestResult(channel=data.channel, ok=result.ok, error=result.error)
