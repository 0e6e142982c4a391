"""FastAPI dependency aliases shared by every feature router."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from vigil.core.config import Settings
from vigil.core.db import DatabaseDep, SessionDep
from vigil.core.security import LOCAL_ACTOR


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_actor(request: Request) -> str:
    return getattr(request.state, "actor", LOCAL_ACTOR)


SettingsDep = Annotated[Settings, Depends(get_settings)]
ActorDep = Annotated[str, Depends(get_actor)]

__all__ = ["ActorDep", "DatabaseDep", "SessionDep", "SettingsDep"]
