"""The health check's answer."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class HealthRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok"}]})
    status: Literal["ok"]
