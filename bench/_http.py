"""A lean HTTP/1.1 client for the benchmarks' measured calls: one kept-alive connection, GET only.

The benchmarks' clients share this machine's cores with the service they measure. httpx costs its caller
about 3.5 ms of CPU a call (h11's parsing, httpcore's pool); at 20 users a row on 2 cores that is an eighth
of the machine taken from the service. A browser on a council officer's desk costs the server nothing, so
the measured calls go through this: a request line and headers written, the answer's head read and its
body by Content-Length (or chunked), the cookies it sets kept, as a browser keeps them. Sign-in, with its
form and redirects, stays with httpx.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True, slots=True)
class Answer:
    """What a call got: its status and its body (the same names as httpx's, which the benchmarks read)."""

    status_code: int
    content: bytes


class KeptConnection:
    """One user's connection to the service: their cookies (a signed-in session) or their headers (an API
    token). Calls on one connection are one at a time, as a browser tab's are."""

    def __init__(
        self,
        base_url: str,
        *,
        cookies: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 120.0,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or parts.hostname is None:
            raise ValueError(f"{base_url}: the benchmarks' connection speaks plain http:// to a host")
        self.host, self.port = parts.hostname, parts.port or 80
        self.cookies = dict(cookies or {})
        self.headers = {"Host": f"{self.host}:{self.port}", **(headers or {})}
        self.timeout = timeout
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def get(self, path: str) -> Answer:
        """GET `path`. A kept connection the server has closed meanwhile (uvicorn closes one idle for 5 s)
        ends with nothing read: that call is made again once on a new connection, as browsers do."""
        reused = self._streams is not None
        try:
            return await self._get(path)
        except (asyncio.IncompleteReadError, ConnectionError) as error:
            nothing = not isinstance(error, asyncio.IncompleteReadError) or not error.partial
            if not (reused and nothing):
                raise
        return await self._get(path)

    async def _get(self, path: str) -> Answer:
        if self._streams is None:
            self._streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self._streams
        headers = dict(self.headers)
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        lines = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        try:
            writer.write(f"GET {path} HTTP/1.1\r\n{lines}\r\n".encode("latin-1"))
            async with asyncio.timeout(self.timeout):
                return await self._answer(reader)
        except (asyncio.IncompleteReadError, OSError):  # OSError: TimeoutError, ConnectionError
            await self.aclose()  # the next call connects again
            raise

    async def _answer(self, reader: asyncio.StreamReader) -> Answer:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        status, length, chunked, close = int(head[0].split(" ", 2)[1]), 0, False, False
        for line in head[1:]:
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding":
                chunked = "chunked" in value.lower()
            elif name == "connection":
                close = value.lower() == "close"
            elif name == "set-cookie":
                cookie, _, attributes = value.partition(";")
                key, _, kept = cookie.partition("=")
                expired = "max-age=0" in attributes.lower().replace(" ", "")
                if expired:
                    self.cookies.pop(key.strip(), None)
                else:
                    self.cookies[key.strip()] = kept.strip()
        body = await (self._chunks(reader) if chunked else reader.readexactly(length))
        if close:
            await self.aclose()
        return Answer(status, body)

    @staticmethod
    async def _chunks(reader: asyncio.StreamReader) -> bytes:
        body = bytearray()
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            body += await reader.readexactly(size)
            await reader.readexactly(2)
        await reader.readuntil(b"\r\n")  # no trailers are sent to us: the empty line ending the body
        return bytes(body)

    async def aclose(self) -> None:
        if self._streams is not None:
            writer, self._streams = self._streams[1], None
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()


async def sign_in(api_url: str, account: dict[str, str]) -> KeptConnection:
    """A browser of one's own (in the clients' process): signed in with its form's CSRF token through httpx,
    then its cookie kept on a lean connection of its own (bench/_http.py) for the measured calls."""
    async with httpx.AsyncClient(base_url=api_url, timeout=120) as browser:
        token = CSRF.search((await browser.get("/sign-in")).text)
        fields = {"email": account["email"], "password": account["password"], "next": "/"}
        answer = await browser.post("/sign-in", data={**fields, "csrf_token": token[1] if token else ""})
        if answer.status_code != 303 or "ehcp_session" not in browser.cookies:
            raise RuntimeError(f"sign-in of {account['email']}: {answer.status_code} {answer.text[:200]}")
        return KeptConnection(api_url, cookies={"ehcp_session": browser.cookies["ehcp_session"]})
