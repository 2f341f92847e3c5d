"""What needs attention: the workflows whose side effects failed for good, and a retry's answer."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field

from workflows.common.messages import Attention


class AttentionRead(BaseModel):
    """One workflow with side effects that failed for good (workflows/common/effects.py)."""

    workflow_id: str
    case_id: uuid.UUID | None = Field(description="The case the workflow belongs to.")
    failed: list[Attention] = Field(description="Each failed step: the activity, why, and when.")


class AttentionPage(BaseModel):
    items: list[AttentionRead]
    more: bool = Field(description="More workflows need attention than this page shows: mend these first.")


class RetryRead(BaseModel):
    workflow_id: str
    retried: int = Field(description="How many failed steps were run again.")
