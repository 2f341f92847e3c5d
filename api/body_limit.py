"""Request bodies have a size limit: a larger one is answered 413, a problem naming the limit (issue 9 s.1).

Without one, a client could send a body of any size and the API would hold it (in memory for JSON, on
disk for a multipart upload) before a single check ran. There are two limits, both settings:

- `EHCP_MAX_BODY_BYTES` (1 MiB) for every request: a command's JSON is a few kilobytes;
- `EHCP_MAX_UPLOAD_BODY_BYTES` for the route that takes files, an agency's advice (reg 8): by default
  five files at `EHCP_UPLOAD_MAX_BYTES` and 64 KiB for the form, and never less than one such file and
  the form (core/settings.py), so a file within its own limit always reaches api/services/uploads.py,
  and one over it is refused there with a 422 naming the file.

A body that declares its length (`Content-Length`) over the limit is answered at once, unread and before
authentication. One sent in chunks with no length is counted as it arrives and stopped at the chunk that
passes the limit: the route then fails to read its body, and whatever it would have answered is
replaced by the 413. The answer asks the client to close the connection, as the rest is never read.
"""

from __future__ import annotations

import re

from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.asgi import app_path
from api.errors import ContentTooLarge
from api.problems import ProblemResponse, error_response
from core.settings import Settings

# The routes that take files (api/routes/advice.py: `post_advice`, `record_advice`, `post_documents`; the
# agencies' page, api/pages/inbox.py: `send_advice`; the exception claim's page, api/pages/exceptions.py),
# by their path within the app; tests/integration/api/test_poison_input.py checks it against every
# multipart body OpenAPI lists.
UPLOAD_PATHS = re.compile(
    r"/api/advice-requests/[^/]+/[^/]+/advice|/api/cases/[^/]+/advice/[^/]+|/api/cases/[^/]+/documents"
    r"|/inbox/[^/]+/[^/]+|/cases/[^/]+/exceptions"
)


class _BodyTooLarge(Exception):
    """Raised into the route from `receive` once the body passes the limit: it stops the reading."""


class BodyLimit:
    """ASGI middleware refusing, with 413, a request body larger than its route's limit."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, upload_max_bytes: int, file_max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_max_bytes = upload_max_bytes
        self.file_max_bytes = file_max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.upload_max_bytes if _is_upload(scope) else self.max_bytes
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await self._refusal(scope)(scope, receive, send)
            return
        received = 0
        exceeded = started = answered = False

        async def receive_within_limit() -> Message:
            nonlocal received, exceeded
            if exceeded:
                raise _BodyTooLarge
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise _BodyTooLarge
            return message

        async def send_or_refuse(message: Message) -> None:
            nonlocal started, answered
            if answered:
                return  # the rest of the route's own answer, already replaced
            if exceeded and not started:
                answered = True  # the route's answer to a body it could not read (400, 500) gives way
                await self._refusal(scope)(scope, receive, send)
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive_within_limit, send_or_refuse)
        except Exception:
            # What a route raises over a body it could not read is no error of the service: the caller
            # is owed the 413, unless the route had begun its own answer before reading on.
            if not exceeded or (started and not answered):
                raise
        if exceeded and not started and not answered:
            await self._refusal(scope)(scope, receive, send)

    def _refusal(self, scope: Scope) -> ProblemResponse:
        if _is_upload(scope):
            error = ContentTooLarge(
                f"the upload is larger than the {self.upload_max_bytes} bytes the API accepts in one "
                f"request; send smaller files (each at most {self.file_max_bytes} bytes: scanned at a "
                "lower resolution, or with fewer pages)"
            )
        else:
            error = ContentTooLarge(
                f"the request body is larger than the {self.max_bytes} bytes the API accepts; send a "
                "smaller one (documents go with an agency's advice, as files)"
            )
        # the problem every ApiError is (api/errors.py); the connection closes, the rest of the body unread
        response = error_response(error)
        response.headers["Connection"] = "close"
        return response


def install_body_limit(app: FastAPI, settings: Settings) -> None:
    """Limit every request's body by the settings' limits."""
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.max_body_bytes,
        upload_max_bytes=settings.upload_body_max_bytes,
        file_max_bytes=settings.upload_max_bytes,
    )


def _is_upload(scope: Scope) -> bool:
    return scope.get("method") == "POST" and UPLOAD_PATHS.fullmatch(app_path(scope)) is not None


def _content_length(scope: Scope) -> int | None:
    """The length the request declares; None when it declares none (chunked) or one that is no number
    (the server refuses that before the app, and the count as it arrives still holds)."""
    value = Headers(scope=scope).get("content-length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
