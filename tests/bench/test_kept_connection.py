"""bench/_http.py's kept connection: what a browser does with an answer, against a small server of our own.

It reads a body by its length and chunked, keeps one connection for many calls, sends the cookies it was
set, forgets one set to expire, and connects again after a server's `Connection: close`.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from _http import KeptConnection

ANSWERS = {
    "/length": b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nSet-Cookie: s=one; Path=/; HttpOnly\r\n\r\nhello",
    "/chunked": b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
    b"3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n",
    "/expire": b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nSet-Cookie: s=; Max-Age=0; Path=/\r\n\r\n",
    "/close": b"HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\nConnection: close\r\n\r\nno",
    "/idle": b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nidle",  # then closed, saying nothing
}


class Server:
    """Answers each request with ANSWERS[path]; keeps every request's head and counts its connections."""

    def __init__(self) -> None:
        self.heads: list[str] = []
        self.connections = 0

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        while head := await reader.readuntil(b"\r\n\r\n"):
            self.heads.append(head.decode())
            path = head.split(b" ")[1].decode()
            writer.write(ANSWERS[path])
            await writer.drain()
            if path in ("/close", "/idle"):
                break
        writer.close()


@pytest.fixture
async def server() -> AsyncIterator[tuple[Server, str]]:
    served = Server()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await served.serve(reader, writer)
        except asyncio.IncompleteReadError:
            writer.close()  # the client went away

    listening = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    async with listening:
        yield served, f"http://127.0.0.1:{port}"


async def test_answers_by_length_and_chunked_on_one_connection(server: tuple[Server, str]) -> None:
    served, url = server
    connection = KeptConnection(url, headers={"Authorization": "Bearer t"})
    first, second = await connection.get("/length"), await connection.get("/chunked")
    await connection.aclose()
    assert (first.status_code, first.content) == (200, b"hello")
    assert (second.status_code, second.content) == (201, b"abcde")
    assert served.connections == 1
    assert all("Authorization: Bearer t\r\n" in head for head in served.heads)


async def test_keeps_the_cookies_it_is_set_and_forgets_an_expired_one(server: tuple[Server, str]) -> None:
    served, url = server
    connection = KeptConnection(url, cookies={"other": "kept"})
    await connection.get("/length")
    await connection.get("/chunked")
    await connection.get("/expire")
    await connection.get("/chunked")
    await connection.aclose()
    cookies = [
        next((line for line in head.split("\r\n") if line.startswith("Cookie:")), "") for head in served.heads
    ]
    assert cookies == [
        "Cookie: other=kept",
        "Cookie: other=kept; s=one",
        "Cookie: other=kept; s=one",
        "Cookie: other=kept",
    ]


async def test_connects_again_after_the_server_closes(server: tuple[Server, str]) -> None:
    served, url = server
    connection = KeptConnection(url)
    closed = await connection.get("/close")
    again = await connection.get("/length")
    await connection.aclose()
    assert (closed.status_code, closed.content, again.content) == (404, b"no", b"hello")
    assert served.connections == 2


def test_refuses_what_it_does_not_speak() -> None:
    with pytest.raises(ValueError, match="plain http://"):
        KeptConnection("https://example.invalid")


async def test_a_kept_connection_the_server_closed_meanwhile_is_made_again(
    server: tuple[Server, str],
) -> None:
    served, url = server
    connection = KeptConnection(url)
    idle = await connection.get("/idle")  # as uvicorn closes one idle for 5 s, with no header
    await asyncio.sleep(0.05)
    again = await connection.get("/length")
    await connection.aclose()
    assert (idle.content, again.content) == (b"idle", b"hello")
    assert served.connections == 2
