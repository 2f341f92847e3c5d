"""A request body that cannot be read is answered after authentication and the role check (issue 9 s.11).

FastAPI reads a route's body before it runs the route's dependencies. A body that is not JSON, not UTF-8
or nested deeper than Python reads, or a multipart form that does not parse, was answered (400, or 422)
before the caller was authenticated: an agency posting such a body to a caseworker's route was told 400,
not 403, and the 400 was documented nowhere.

This middleware reads a JSON or multipart body first. One that can be read goes on to the route as it
came. One that cannot goes on as no body at all, its problem noted in the scope (`UNREADABLE_BODY`): the
route authenticates the caller and checks the role as for any request (401, 403, 429), then finds its
body missing, which api/errors.py answers as a 422 naming the body and what is wrong with it, never
quoting it.

JSON bodies are small (`EHCP_MAX_BODY_BYTES`, api/body_limit.py, counts them as they arrive, outside this
middleware) and are held in memory; an upload is spooled to a temporary file past 1 MiB, parsed once here
to see that it parses, and handed to the route from the spool.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from tempfile import SpooledTemporaryFile

from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import UNREADABLE_BODY
from api.problems import Unreadable, body_kind

SPOOL_BYTES = 1024 * 1024  # an upload past this goes to a temporary file while it is checked
CHUNK_BYTES = 64 * 1024


class ReadableBody:
    """ASGI middleware: a JSON or multipart body that cannot be read reaches the route as no body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        content_type = Headers(scope=scope).get("content-type", "") if scope["type"] == "http" else ""
        if body_kind(content_type) == "json":
            body = b"".join([chunk async for chunk in _chunks(receive)])
            await self._on(scope, receive, send, _json_problem(body), content_type, _replay(body, receive))
        elif content_type.lower().startswith("multipart/form-data"):
            with SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
                async for chunk in _chunks(receive):
                    spool.write(chunk)
                problem = await _multipart_problem(scope, spool)
                await self._on(scope, receive, send, problem, content_type, _replay_spool(spool, receive))
        else:
            await self.app(scope, receive, send)

    async def _on(  # noqa: PLR0917
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        problem: str | None,
        content_type: str,
        body: Receive,
    ) -> None:
        """The request on to the app: with its body, or as one with none and the problem noted."""
        if problem is None:
            await self.app(scope, body, send)
            return
        unread = [(name, value) for name, value in scope["headers"] if name not in _BODY_HEADERS]
        noted = Unreadable(content_type=content_type, problem=problem)
        await self.app({**scope, "headers": unread, UNREADABLE_BODY: noted}, _replay(b"", receive), send)


_BODY_HEADERS = frozenset({b"content-type", b"content-length", b"transfer-encoding"})


async def _chunks(receive: Receive) -> AsyncGenerator[bytes, None]:
    """The request's body as it arrives; a limit on its size (api/body_limit.py) raises through here."""
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return  # the client went away: what was read is all there is
        yield message.get("body", b"")
        if not message.get("more_body", False):
            return


def _json_problem(body: bytes) -> str | None:
    """What is wrong with a JSON body, in words that quote none of it; None when it reads."""
    if not body:
        return None  # no body: the route says what it needs
    try:
        json.loads(body)
    except UnicodeDecodeError:
        return "not UTF-8 text: send JSON encoded as UTF-8"
    except json.JSONDecodeError as error:
        return f"not valid JSON ({error.msg} at line {error.lineno}, column {error.colno})"
    except (ValueError, RecursionError):
        return "not JSON that can be read (nested too deeply): send plain JSON"
    return None


async def _multipart_problem(scope: Scope, spool: SpooledTemporaryFile[bytes]) -> str | None:
    """What is wrong with a multipart form, parsed as the route will parse it; None when it parses."""
    spool.seek(0, 2)
    size = spool.tell()
    if size == 0:
        return None
    # A form cut short (the client gone mid-upload) parses without an error in Starlette, which then
    # leaves the temporary file of its unfinished part open: refused before it is parsed.
    boundary = _boundary(scope)
    spool.seek(max(0, size - len(boundary) - 16))
    if boundary and not spool.read().rstrip(b"\r\n").endswith(b"--" + boundary + b"--"):
        return "not a multipart form that can be read: it ends before its closing boundary"

    async def stream() -> AsyncGenerator[bytes, None]:
        spool.seek(0)
        while chunk := spool.read(CHUNK_BYTES):
            yield chunk

    try:
        form = await MultiPartParser(Headers(scope=scope), stream()).parse()
    except MultiPartException as error:
        # Starlette's own words (a missing boundary, a malformed part, too many fields): none quote it.
        return f"not a multipart form that can be read: {error.message}"
    await form.close()
    return None


def _boundary(scope: Scope) -> bytes:
    """The multipart boundary the request's Content-Type names (b"" if none: the parser says so)."""
    content_type = Headers(scope=scope).get("content-type", "")
    for param in content_type.split(";")[1:]:
        name, _, value = param.strip().partition("=")
        if name.lower() == "boundary":
            return value.strip('"').encode("latin-1", errors="replace")
    return b""


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body already read, as the route reads it; then the client's own messages (a disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


def _replay_spool(spool: SpooledTemporaryFile[bytes], receive: Receive) -> Receive:
    """The spooled upload, a chunk at a time; then the client's own messages."""
    spool.seek(0, 2)
    size = spool.tell()
    spool.seek(0)
    done = False

    async def replay() -> Message:
        nonlocal done
        if done:
            return await receive()
        chunk = spool.read(CHUNK_BYTES)
        done = spool.tell() >= size
        return {"type": "http.request", "body": chunk, "more_body": not done}

    return replay


def install_readable_body(app: FastAPI) -> None:
    """Check every JSON and multipart body before the routes read it (inside the body limit)."""
    app.add_middleware(ReadableBody)
