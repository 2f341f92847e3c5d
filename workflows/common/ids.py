"""Workflow ids and the names of workflows, queries and signals: the one place the API, the worker, the
demo and the tests take them from. (A command's update name is its message's `update_name`.)

Ids carry no personal data and nothing a caller chose: a case's id is a UUID, and an advice request's
workflow id carries a hash of the caseworker's label for it (a label such as "dr-patel-cahms" would name
people in Temporal's visibility store, which the codec does not encrypt).
"""

from __future__ import annotations

import hashlib
from uuid import UUID

ASSESSMENT_WORKFLOW = "AssessmentWorkflow"
ADVICE_WORKFLOW = "AdviceRequestWorkflow"
PLAN_WORKFLOW = "PlanWorkflow"

STATE_QUERY = "state"  # every workflow's state
ACKNOWLEDGE_REQUEST = "acknowledge_request"  # the assessment as first recorded: the create request's answer
ACKNOWLEDGE_PLAN = "acknowledge"  # the plan as its current run first projected it
ADVICE_ARRIVED = "advice_arrived"  # signal, advice request -> its assessment
ADVICE_EXCEPTED = "excepted"  # signal, assessment -> one of its advice requests
ATTENTION_QUERY = "attention"  # every workflow: the side effects that failed for good
RETRY_FAILED_STEPS = "retry_failed_steps"  # update, every workflow: run them again once mended


def assessment_workflow_id(case_id: UUID | str) -> str:
    """The assessment's workflow: the case's reference in Temporal, its notices and its read model."""
    return f"assessment-{case_id}"


def advice_workflow_id(case_id: UUID | str, advice_id: str) -> str:
    """An advice request's workflow: the case's id and a hash of the request's label within it."""
    label = hashlib.sha256(f"{case_id}:{advice_id}".encode()).hexdigest()[:24]
    return f"advice-{case_id}-{label}"


def labelled_advice_workflow_id(case_id: UUID | str, advice_id: str) -> str:
    """The id advice requests had before their labels were hashed: only the runs started then use it
    (workflows/assessment/workflow.py, ADVICE_IDS_HASHED), so their histories replay as they ran."""
    return f"advice-{case_id}-{advice_id}"


def plan_workflow_id(case_id: UUID | str) -> str:
    return f"plan-{case_id}"
