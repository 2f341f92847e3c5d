"""The answers of the health check (liveness) and of the readiness check."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class HealthRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "ok"}]})
    status: Literal["ok"]


class ReadinessCheck(BaseModel):
    """One part the API needs to take work: ready or not, and what was found (what to do, when not)."""

    ready: bool
    detail: str


class ReadinessRead(BaseModel):
    """Whether the API can take work now: the case database, Temporal, and a worker on the task queue."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": "not_ready",
                    "database": {"ready": True, "detail": "the case database answers"},
                    "temporal": {"ready": True, "detail": "the workflow service answers"},
                    "worker": {
                        "ready": False,
                        "detail": "no worker has polled the task queue in the last 2 minutes: start "
                        "`ehcp worker` (commands wait for it and answer 503 until then)",
                    },
                }
            ]
        }
    )
    status: Literal["ready", "not_ready"]
    database: ReadinessCheck
    temporal: ReadinessCheck
    worker: ReadinessCheck
