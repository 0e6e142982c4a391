from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import Field, field_validator

from vigil.core.schemas import ReadModel, StrictModel

CameraStatus = Literal["online", "offline", "error", "unknown"]


def normalize_camera_id(name: str) -> str:
    """ "Front Door" -> "front_door": trim, lower-case, spaces/hyphens to ``_``, drop other
    non-word characters, collapse repeated and strip leading/trailing underscores."""
    value = name.strip().lower()
    value = re.sub(r"[\s\-]+", "_", value)
    value = re.sub(r"[^\w]", "", value, flags=re.ASCII)
    value = re.sub(r"_+", "_", value)
    return value.strip("_")


class CameraCreate(StrictModel):
    name: str = Field(min_length=1, max_length=255)
    folder_path: str | None = Field(default=None, min_length=1, max_length=500)
    status: CameraStatus = "online"

    @field_validator("name")
    @classmethod
    def _name_has_id(cls, value: str) -> str:
        if not normalize_camera_id(value):
            raise ValueError("name must contain at least one letter or digit")
        if len(normalize_camera_id(value)) > 100:
            raise ValueError("name gives an id longer than 100 characters")
        return value


class CameraUpdate(StrictModel):
    name: str | None = Field(default=None, min_length=1, max_length=255)
    folder_path: str | None = Field(default=None, min_length=1, max_length=500)
    status: CameraStatus | None = None


class CameraRead(ReadModel):
    id: str
    name: str
    folder_path: str
    status: str
    created_at: datetime
    last_seen_at: datetime | None
    deleted_at: datetime | None
