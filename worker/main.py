"""The worker process: connect to Temporal, register the workflows and activities, run until stopped."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import structlog
from temporalio.client import Client
from temporalio.service import RPCError
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.changes import ChangeActivities
from activities.notices import NoticeSender
from activities.records import RecordActivities
from activities.statute import StatuteActivities
from core.settings import Settings
from core.temporal import connect, register_search_attributes
from db.engine import make_engine, make_session_factory
from notify import build_notifier
from notify.base import Notifier
from statute.conventions import Conventions
from workflows.advice.workflow import AdviceRequestWorkflow
from workflows.assessment.workflow import AssessmentWorkflow
from workflows.common.search import SEARCH_ATTRIBUTES
from workflows.plan.workflow import PlanWorkflow

WORKFLOWS = [AssessmentWorkflow, AdviceRequestWorkflow, PlanWorkflow]

# The project's workflow modules are imported once, not again in every workflow's sandbox: a cached plan
# then costs about what a bare workflow does, and a cache miss does not re-import the plan's workflow
# (docs/worker-cache.md). They are deterministic by design (no I/O, no clock but workflow.now()); the
# workflow tests (tests/workflows/) run them under the default sandbox, which still enforces that. The
# replayer (tests/replay/) takes WORKFLOWS and WORKFLOW_RUNNER from here, to replay as this worker runs.
WORKFLOW_RUNNER = SandboxedWorkflowRunner(
    restrictions=SandboxRestrictions.default.with_passthrough_modules("workflows")
)
log = structlog.get_logger("ehcp.worker")


@contextlib.asynccontextmanager
async def notifier_for(settings: Settings) -> AsyncIterator[Notifier]:
    """The notifier the settings name; an HTTP client for those that need one, closed afterwards."""
    async with httpx.AsyncClient(timeout=30) as http:
        options: dict[str, Any]
        if settings.notifier == "outbox":
            kind, options = "file", {"directory": settings.outbox_dir}
        elif settings.notifier == "govuk_notify":
            key = settings.notify_api_key.get_secret_value() if settings.notify_api_key else None
            kind = "govuk"
            options = {"api_key": key, "email_template_id": settings.notify_email_template_id, "client": http}
        elif settings.notifier == "smtp":
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
            kind = "smtp"
            options = {
                "host": settings.smtp_host,
                "port": settings.smtp_port,
                "sender": settings.smtp_sender,
                "username": settings.smtp_username,
                "password": password,
                "starttls": settings.smtp_starttls,
            }
        else:
            secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
            kind, options = "webhook", {"secret": secret, "client": http}
        yield build_notifier(kind, **{k: v for k, v in options.items() if v is not None})


async def ensure_search_attributes(client: Client) -> None:
    """The namespace has every search attribute the workflows set: a workflow that sets one the namespace
    lacks fails its task and waits, so a newer release's attribute (`EhcpAttention`) is added on start.
    Where the server refuses (Temporal Cloud's API keys may not manage the namespace), say what to add."""
    try:
        await register_search_attributes(client)
    except RPCError as error:
        log.warning(
            "worker.search_attributes_not_registered",
            status=error.status.name,
            add=[key.name for key in SEARCH_ATTRIBUTES],
            next_step="add these Keyword/Datetime search attributes to the namespace (docs/architecture.md)",
        )


@contextlib.asynccontextmanager
async def running_worker(settings: Settings, client: Client | None = None) -> AsyncIterator[Worker]:
    """A worker with every workflow and activity, polling the settings' task queue while in the block."""
    client = client or await connect(settings)
    await ensure_search_attributes(client)
    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    conventions = Conventions().with_overrides(settings.statute_conventions)
    try:
        async with notifier_for(settings) as notifier:
            records = RecordActivities(sessions)
            changes = ChangeActivities(sessions, NoticeSender(sessions, notifier, settings))
            with concurrent.futures.ThreadPoolExecutor(max_workers=8) as executor:
                worker = Worker(
                    client,
                    task_queue=settings.task_queue,
                    workflows=WORKFLOWS,
                    activities=[
                        StatuteActivities(conventions).compute_timeline,
                        records.record_case,
                        changes.apply_change,
                    ],
                    activity_executor=executor,
                    workflow_runner=WORKFLOW_RUNNER,
                    # A workflow out of the cache is replayed from its history on its next task.
                    max_cached_workflows=settings.worker_max_cached_workflows,
                    # A state query is a workflow task: enough polls that the pages' queries do not queue.
                    max_concurrent_workflow_task_polls=settings.worker_workflow_task_polls,
                )
                async with worker:
                    log.info(
                        "worker.started",
                        task_queue=settings.task_queue,
                        namespace=settings.temporal_namespace,
                        max_cached_workflows=settings.worker_max_cached_workflows,
                    )
                    yield worker
    finally:
        await engine.dispose()


async def run_worker(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Run the worker until `stop` is set (or forever)."""
    async with running_worker(settings):
        await (stop or asyncio.Event()).wait()
