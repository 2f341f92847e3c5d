"""The managers' models: the unmet deadlines, and the SEN2-style measures with the plan measures
(docs/statute.md §3)."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import ChildRead


class OverdueStepRead(BaseModel):
    """An unmet deadline, and who its case is about; `days_overdue` is negative for one still to come."""

    model_config = ConfigDict(from_attributes=True)
    case_id: uuid.UUID
    workflow_id: str
    deadline: str
    key: str
    from_date: date
    due: date
    practical_due: date
    days_overdue: int
    rule: str
    agency_id: uuid.UUID | None
    caseworker_id: uuid.UUID | None
    child: ChildRead


class OverduePage(BaseModel):
    as_of: date
    items: list[OverdueStepRead]
    next_after: str | None


class MeasureRead(BaseModel):
    """`within` of `total` on time; `percent` to one decimal place, null when `total` is 0."""

    model_config = ConfigDict(from_attributes=True)
    within: int
    total: int
    percent: float | None


class MeasurePair(BaseModel):
    including_exceptions: MeasureRead
    excluding_exceptions: MeasureRead


class AgencyAdviceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    agency_id: uuid.UUID | None
    agency_name: str | None
    returned: MeasureRead
    outstanding: int


class PlanMeasuresRead(BaseModel):
    """The plan measures (docs/statute.md §3, KPIs 6-8) over the deadlines due in the period: each counted
    once met, or once past due unmet (a review never held counts as late); `within` met by its due date.
    Annual reviews have no exceptions."""

    model_config = ConfigDict(from_attributes=True)
    due_from: date
    due_to: date
    as_of: date
    reviews_decided_within_4_weeks: MeasureRead = Field(
        description="The LA's decision within 4 weeks of the review meeting (reg 20(10); Devon [2022])."
    )
    reviews_within_12_months: MeasureRead = Field(
        description="Reviewed within 12 months of the making or the last review (CFA s.44(1))."
    )
    amended_plans_within_8_weeks: MeasureRead = Field(
        description="Amended plans within 8 weeks of the notice of proposed amendments (reg 22(3))."
    )
    phase_transfers_by_deadline: MeasureRead = Field(
        description="Phase transfers reviewed and amended by their deadline (reg 18: 14 Feb / 30 Mar)."
    )


class KpisRead(BaseModel):
    """SEN2-style measures for the requests received in a period, and the plan measures for the
    deadlines due in it (docs/statute.md §3)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "la_code": "202",
                    "received_from": "2025-01-01",
                    "received_to": "2025-03-31",
                    "requests": 120,
                    "decided_within_6_weeks": {
                        "including_exceptions": {"within": 80, "total": 100, "percent": 80.0},
                        "excluding_exceptions": {"within": 78, "total": 96, "percent": 81.2},
                    },
                    "not_to_issue_within_16_weeks": {
                        "including_exceptions": {"within": 9, "total": 10, "percent": 90.0},
                        "excluding_exceptions": {"within": 9, "total": 10, "percent": 90.0},
                    },
                    "issued_within_20_weeks": {
                        "including_exceptions": {"within": 40, "total": 60, "percent": 66.7},
                        "excluding_exceptions": {"within": 38, "total": 52, "percent": 73.1},
                    },
                    "advice_by_agency": [],
                    "plans": {
                        "due_from": "2025-01-01",
                        "due_to": "2025-03-31",
                        "as_of": "2025-06-02",
                        "reviews_decided_within_4_weeks": {"within": 51, "total": 100, "percent": 51.0},
                        "reviews_within_12_months": {"within": 180, "total": 200, "percent": 90.0},
                        "amended_plans_within_8_weeks": {"within": 30, "total": 40, "percent": 75.0},
                        "phase_transfers_by_deadline": {"within": 70, "total": 80, "percent": 87.5},
                    },
                }
            ]
        }
    )
    la_code: str
    received_from: date
    received_to: date
    requests: int
    decided_within_6_weeks: MeasurePair
    not_to_issue_within_16_weeks: MeasurePair
    issued_within_20_weeks: MeasurePair
    advice_by_agency: list[AgencyAdviceRead]
    plans: PlanMeasuresRead
