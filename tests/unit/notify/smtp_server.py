"""A tiny SMTP receiver on 127.0.0.1 for the SMTP notifier's tests: EHLO/HELO, MAIL, RCPT, DATA, QUIT."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes


@dataclass
class SmtpReceiver:
    """Accepts every message unless `rcpt_reply` says otherwise; keeps what it received in `messages`."""

    rcpt_reply: bytes = b"250 OK"
    messages: list[Received] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    server: asyncio.Server | None = None

    @property
    def port(self) -> int:
        assert self.server is not None
        port: int = self.server.sockets[0].getsockname()[1]
        return port

    async def start(self) -> None:
        # port 0: the kernel picks a free port, so parallel test runs never collide
        self.server = await asyncio.start_server(self._session, "127.0.0.1", 0)

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        def reply(line: bytes) -> None:
            writer.write(line + b"\r\n")

        sender, recipients = "", list[str]()
        reply(b"220 test.example ESMTP")
        while line := await reader.readline():
            verb, _, argument = line.decode("ascii").strip().partition(" ")
            self.commands.append(verb.upper())
            match verb.upper():
                case "EHLO":
                    reply(b"250-test.example\r\n250 8BITMIME")
                case "HELO" | "NOOP" | "RSET":
                    reply(b"250 OK")
                case "MAIL":
                    sender, recipients = argument.removeprefix("FROM:").strip("<>"), []
                    reply(b"250 OK")
                case "RCPT":
                    recipients.append(argument.removeprefix("TO:").strip("<>"))
                    reply(self.rcpt_reply)
                case "DATA":
                    reply(b"354 End data with <CR><LF>.<CR><LF>")
                    await writer.drain()
                    lines = []
                    while (data_line := await reader.readline()) != b".\r\n":
                        lines.append(data_line[1:] if data_line.startswith(b"..") else data_line)
                    self.messages.append(Received(sender, recipients, b"".join(lines)))
                    reply(b"250 OK queued as 1")
                case "QUIT":
                    reply(b"221 Bye")
                    break
                case _:
                    reply(b"502 Command not implemented")
            await writer.drain()
        await writer.drain()
        writer.close()
        await writer.wait_closed()
