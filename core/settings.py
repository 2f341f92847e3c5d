"""The service's settings: every knob an authority turns, read from `EHCP_*` variables or a `.env` file.

Validation happens once, at start-up, and every error names the environment variable to fix, so a
misconfigured worker or API refuses to start rather than running with a half-understood setting. Secrets
(the payload key ring, Notify key, SMTP password, webhook secret) never appear in errors or reprs.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal, Self

from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError
from pydantic_settings import NoDecode, SettingsConfigDict

from core.env_names import ENV_PREFIX, env_name
from core.key_ring import DEV_KEY, DEV_KEY_ID, GENERATE_KEY, KEY_BYTES, dev_codec_keys, parse_key_ring
from core.sign_in_settings import SignInSettings

# An advice upload's body by default: five files at the per-file limit, and room for the form around them
# (the date, a summary of at most 2,000 characters, each part's headers).
UPLOADED_FILES = 5
UPLOAD_FORM_BYTES = 64 * 1024

_SECRET_FIELDS = frozenset(
    {"codec_keys", "notify_api_key", "smtp_password", "webhook_secret", "session_secret"}
) | {"oidc_client_secret"}

Notifier = Literal["outbox", "govuk_notify", "smtp", "webhook"]
LogFormat = Literal["console", "json"]
LogLevel = Literal["debug", "info", "warning", "error", "critical"]


class Settings(SignInSettings):
    """Every setting of the service. Set each with its `EHCP_` variable, e.g. `EHCP_LA_CODE=202`. Those of
    the pages' sign-in (sessions, OpenID Connect) are `SignInSettings`'."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        hide_input_in_errors=True,
        validate_default=True,
    )

    database_url: str = Field(
        default="sqlite+aiosqlite:///var/ehcp.db",
        description="SQLAlchemy URL of the case database: SQLite (aiosqlite) embedded, PostgreSQL (psycopg).",
    )
    temporal_address: str = Field(default="127.0.0.1:7233", description="host:port of the Temporal frontend.")
    temporal_namespace: str = Field(default="default", description="Temporal namespace the workflows run in.")
    task_queue: str = Field(default="ehcp", description="Temporal task queue of the worker.")
    temporal_deadline_seconds: float = Field(
        default=10,
        gt=0,
        le=60,
        description=(
            "Longest the API waits on Temporal for one answer (a command, a read, readiness); then it "
            "answers 503 with Retry-After (or 504 for a command accepted but not yet finished)."
        ),
    )
    read_model_wait_seconds: float = Field(
        default=2,
        ge=0,
        le=30,
        description=(
            "Longest a command's answer waits for the read model to show what the command did; if it "
            "has not by then, the answer carries no `record` (never one older than its `state`)."
        ),
    )
    worker_max_cached_workflows: int = Field(
        default=1000,
        ge=0,
        description=(
            "Running workflows the worker keeps in memory between their tasks (Temporal's "
            "max_cached_workflows; 0 turns the cache off). Size it for the open plans: docs/worker-cache.md."
        ),
    )
    worker_workflow_task_polls: int = Field(
        default=20,
        ge=2,
        le=200,
        description=(
            "Workflow tasks the worker asks Temporal for at once (max_concurrent_workflow_task_polls). A"
            " case page's state query is one: with the SDK's 5, 20 queries at once waited p95 114 ms, with"
            " 20 66 ms."
        ),
    )
    la_code: str = Field(
        default="000", description="The authority's three-digit DfE local authority code, e.g. 202 (Camden)."
    )
    codec_keys: Annotated[dict[str, bytes], NoDecode] = Field(
        default_factory=dict,
        repr=False,
        description=(
            "Payload encryption key ring as `id:base64,id:base64`, each key 32 random bytes. Keep retired "
            "keys in the ring so old histories stay readable."
        ),
    )
    codec_active_key: str = Field(
        default="",
        description="Id of the key that encrypts new payloads; may be left empty when the ring has one key.",
    )
    allow_dev_keys: bool = Field(
        default=True,
        description=(
            "Use the public development key ring when EHCP_CODEC_KEYS is unset. Set false in production."
        ),
    )
    demo: bool = Field(
        default=False,
        description=(
            "This process is a demonstration holding no real data: `ehcp api` and `ehcp worker` may then "
            "run on the public development key, which they otherwise refuse. `ehcp run` sets it."
        ),
    )
    notifier: Notifier = Field(
        default="outbox",
        description="Notification channel: outbox (nothing leaves the machine), govuk_notify, smtp, webhook.",
    )
    outbox_dir: Path = Field(default=Path("var/outbox"), description="Where the outbox writes its messages.")
    notify_api_key: SecretStr | None = Field(default=None, description="GOV.UK Notify API key.")
    notify_email_template_id: str | None = Field(default=None, description="GOV.UK Notify email template id.")
    smtp_host: str | None = Field(default=None, description="SMTP server host name.")
    smtp_port: int = Field(default=587, ge=1, le=65535, description="SMTP server port.")
    smtp_sender: str | None = Field(default=None, description="From address of emails sent over SMTP.")
    smtp_username: str | None = Field(default=None, description="SMTP login name, if the server needs one.")
    smtp_password: SecretStr | None = Field(default=None, description="SMTP password.")
    smtp_starttls: bool = Field(default=True, description="Upgrade the SMTP connection with STARTTLS.")
    webhook_secret: SecretStr | None = Field(
        default=None, description="Shared secret that signs webhooks sent to agency systems."
    )
    remind_before_days: int = Field(
        default=7, ge=1, description="Days before an advice due date that the agency is reminded."
    )
    escalate_after_days: int = Field(
        default=7, ge=1, description="Days after a missed advice due date that the request is escalated."
    )
    api_host: str = Field(default="127.0.0.1", description="Interface the HTTP API listens on.")
    api_port: int = Field(default=8000, ge=1, le=65535, description="Port the HTTP API listens on.")
    api_workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Processes `ehcp api` serves with on one port: about one a core (cli/api_processes.py).",
    )
    database_pool_size: int = Field(
        default=20,
        ge=1,
        le=200,
        description=(
            "Database connections each API process keeps open: at least the requests one process answers"
            " at once (a request holds one), or every request past them opens and closes a connection of"
            " its own. Mind PostgreSQL's max_connections: processes x (this + as many again at a peak)."
        ),
    )
    log_format: LogFormat = Field(default="console", description="console for people, json for collectors.")
    log_level: LogLevel = Field(default="info", description="Lowest level logged: debug ... critical.")
    statute_conventions: Annotated[dict[str, str], NoDecode] = Field(
        default_factory=dict,
        description='Overrides of the statute conventions as a JSON object, e.g. {"name": "value"}.',
    )
    upload_max_bytes: int = Field(
        default=10 * 1024 * 1024, gt=0, description="Largest document upload accepted, in bytes."
    )
    max_body_bytes: int = Field(
        default=1024 * 1024,
        gt=0,
        description="Largest request body the API reads, in bytes (an advice upload's: below); larger: 413.",
    )
    max_upload_body_bytes: int | None = Field(
        default=None,
        gt=0,
        description=(
            "Largest advice upload (its files and form together) the API reads, in bytes; by default five "
            "files at EHCP_UPLOAD_MAX_BYTES and 64 KiB for the form. At least EHCP_UPLOAD_MAX_BYTES + 64 KiB."
        ),
    )
    token_lifetime_days: int = Field(
        default=90,
        ge=1,
        le=3650,
        description="Days an API token works after it is issued or rotated (`ehcp users add|rotate`).",
    )
    auth_failure_limit: int = Field(
        default=10,
        ge=1,
        description=(
            "Failed authentications allowed per client address, and per account, within the window; "
            "after that the API answers 429 with Retry-After."
        ),
    )
    auth_failure_window_seconds: int = Field(
        default=900, ge=1, le=86400, description="The window, in seconds, the failure limit counts over."
    )
    la_name: str = Field(
        default="Example Council (demo)", description="The authority's name, as notices and the pages sign."
    )
    la_logo_url: str | None = Field(
        default=None,
        max_length=2000,
        description=(
            "The authority's logo for the pages' header: a path on this service or an https URL of an image "
            "the authority serves (the pages' Content-Security-Policy admits that origin). None: the name."
        ),
    )
    dashboard_figures_seconds: int = Field(
        default=300,
        ge=0,
        le=3600,
        description=(
            "How long a process keeps the dashboard's counts (0: no time). Reading them takes each process"
            " about 2 s of a core at 640,000 plans."
        ),
    )
    team_email: str = Field(
        default="send-team@example.invalid",
        description="The SEND team's mailbox: caseworkers' and managers' notices go here, named to them.",
    )
    mediation_adviser: str = Field(
        default="Example Mediation Service (demo), 0300 000 0000, mediation@example.invalid",
        description="reg 32(c): the mediation adviser's contact details, on every appealable decision.",
    )
    mediation_contact: str = Field(
        default="SEND mediation officer (demo), send-team@example.invalid",
        description="reg 32(f): whom at the LA to contact about mediation.",
    )
    information_advice_service: str = Field(
        default="Example SENDIASS (demo), 0300 000 0001, sendiass@example.invalid",
        description="The information, advice and support service (SENDIASS) named on decisions.",
    )
    disagreement_resolution: str = Field(
        default="Example Disagreement Resolution Service (demo), 0300 000 0002",
        description="The disagreement resolution service named on decisions.",
    )

    @field_validator("la_code")
    @classmethod
    def _three_digits(cls, value: str) -> str:
        if not re.fullmatch(r"\d{3}", value):
            raise ValueError(f"must be the three-digit DfE local authority code (e.g. 202), not {value!r}")
        return value

    @field_validator("codec_keys", mode="before")
    @classmethod
    def _parse_ring(cls, value: Any) -> Any:
        return parse_key_ring(value) if isinstance(value, str) else value

    @field_validator("codec_keys")
    @classmethod
    def _aes_256_keys(cls, ring: dict[str, bytes]) -> dict[str, bytes]:
        for key_id, key in ring.items():
            if len(key) != KEY_BYTES:
                raise ValueError(f"key {key_id!r} is {len(key)} bytes, not {KEY_BYTES}")
        return ring

    @field_validator("statute_conventions", mode="before")
    @classmethod
    def _parse_conventions(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value) if value.strip() else {}
        except json.JSONDecodeError as error:
            raise ValueError(f'must be a JSON object such as {{"name": "value"}}: {error.msg}') from None

    @field_validator("log_level", "log_format", "notifier", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _keys_and_channels(self) -> Self:
        if not self.codec_keys:
            if not self.allow_dev_keys:
                raise ValueError(
                    f"{env_name('codec_keys')} is not set and {env_name('allow_dev_keys')} is false; "
                    f"set {env_name('codec_keys')}=k1:KEY with a key generated by: {GENERATE_KEY}"
                )
            self.codec_keys = parse_key_ring(dev_codec_keys())
            self.codec_active_key = self.codec_active_key or DEV_KEY_ID
        if not self.codec_active_key and len(self.codec_keys) == 1:
            self.codec_active_key = next(iter(self.codec_keys))
        if self.codec_active_key not in self.codec_keys:
            known = ", ".join(sorted(self.codec_keys))
            problem = f"{self.codec_active_key!r} is not" if self.codec_active_key else "must name"
            raise ValueError(f"{env_name('codec_active_key')} {problem} a key id in the ring ({known})")
        self._require_channel_settings()
        return self

    def _require_channel_settings(self) -> None:
        needed = {
            "outbox": (),
            "govuk_notify": ("notify_api_key", "notify_email_template_id"),
            "smtp": ("smtp_host", "smtp_sender"),
            "webhook": ("webhook_secret",),
        }[self.notifier]
        missing = [env_name(field) for field in needed if getattr(self, field) in (None, "")]
        if missing:
            raise ValueError(f"{env_name('notifier')}={self.notifier} needs {' and '.join(missing)}")

    @model_validator(mode="after")
    def _an_upload_holds_its_largest_file(self) -> Self:
        # Otherwise one file within its own limit would be refused as too large a request (413) rather
        # than accepted, and a file over it never named in a 422 (api/services/uploads.py).
        least = self.upload_max_bytes + UPLOAD_FORM_BYTES
        if self.max_upload_body_bytes is not None and self.max_upload_body_bytes < least:
            raise ValueError(
                f"{env_name('max_upload_body_bytes')} must be at least {env_name('upload_max_bytes')} plus "
                f"{UPLOAD_FORM_BYTES} bytes for the form ({least}), so that an upload holds the largest file "
                "accepted; raise it or leave it unset"
            )
        return self

    @property
    def upload_body_max_bytes(self) -> int:
        """The largest advice upload read: `max_upload_body_bytes`, or five of the largest files and the
        form."""
        return self.max_upload_body_bytes or UPLOADED_FILES * self.upload_max_bytes + UPLOAD_FORM_BYTES

    @model_validator(mode="wrap")
    @classmethod
    def _name_the_variable(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        # Pydantic names fields; the person fixing a deployment needs the variable, so every error is
        # re-issued with it. Inputs of secret fields are dropped so no key can reach a log.
        try:
            return handler(data)
        except ValidationError as error:
            raise ValidationError.from_exception_data(
                error.title, [_named(detail) for detail in error.errors()], hide_input=True
            ) from None

    @property
    def uses_dev_keys(self) -> bool:
        """True when payloads are encrypted with the public development key."""
        return self.codec_keys.get(self.codec_active_key) == DEV_KEY

    @property
    def read_model_wait(self) -> timedelta:
        """`EHCP_READ_MODEL_WAIT_SECONDS` as a command's answer waits."""
        return timedelta(seconds=self.read_model_wait_seconds)

    @property
    def temporal_deadline(self) -> timedelta:
        """`EHCP_TEMPORAL_DEADLINE_SECONDS` as the API hands it to each Temporal call."""
        return timedelta(seconds=self.temporal_deadline_seconds)


def _named(detail: Any) -> Any:
    loc = detail["loc"]
    message = str(detail["msg"]).removeprefix("Value error, ")
    field = str(loc[0]) if loc else ""
    if field:
        message = f"{env_name(field)}: {message}"
    return {
        "type": PydanticCustomError("invalid_setting", "{message}", {"message": message}),
        "loc": loc,
        "input": None if not field or field in _SECRET_FIELDS else detail["input"],
    }


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, read once from the environment and `.env`."""
    return Settings()
