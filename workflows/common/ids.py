"""Workflow ids and the names of workflows, queries and signals: the one place the API, the worker, the
demo and the tests take them from. (A command's update name is its message's `update_name`.)

Ids carry no personal data: a case's id is a random UUID, an advice request's id is the caseworker's
short label for it within the case.
"""

from __future__ import annotations

from uuid import UUID

ASSESSMENT_WORKFLOW = "AssessmentWorkflow"
ADVICE_WORKFLOW = "AdviceRequestWorkflow"
PLAN_WORKFLOW = "PlanWorkflow"

STATE_QUERY = "state"  # every workflow's state
ACKNOWLEDGE_REQUEST = "acknowledge_request"  # the assessment as first recorded: the create request's answer
ACKNOWLEDGE_PLAN = "acknowledge"  # the plan as its current run first projected it
ADVICE_ARRIVED = "advice_arrived"  # signal, advice request -> its assessment
ADVICE_EXCEPTED = "excepted"  # signal, assessment -> one of its advice requests


def assessment_workflow_id(case_id: UUID | str) -> str:
    """The assessment's workflow: the case's reference in Temporal, its notices and its read model."""
    return f"assessment-{case_id}"


def advice_workflow_id(case_id: UUID | str, advice_id: str) -> str:
    return f"advice-{case_id}-{advice_id}"


def plan_workflow_id(case_id: UUID | str) -> str:
    return f"plan-{case_id}"
