"""A minimal webhook receiver on loopback (asyncio streams, no framework): records every alert id
it is sent, and can be taken down and brought back on the same port to simulate an outage."""

from __future__ import annotations

import asyncio
import json
from collections import Counter

from bench.deployment import free_port


class WebhookReceiver:
    def __init__(self) -> None:
        self.port = free_port()
        self.deliveries: Counter[str] = Counter()
        self.requests = 0
        self.delay = 0.0  # seconds to wait before answering (keeps deliveries in flight)
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def alert_ids(self) -> Counter[str]:
        return Counter(self.deliveries)

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)

    async def stop(self) -> None:
        """Stop listening (connections are refused until ``start`` again)."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.decode("latin-1").split("\r\n"):
                name, _, value = line.partition(":")
                if name.lower() == "content-length":
                    length = int(value.strip())
            body = await reader.readexactly(length) if length else b""
            self.requests += 1
            if self.delay:
                await asyncio.sleep(self.delay)
            try:
                alert = json.loads(body).get("alert") or {}
                if alert.get("id"):
                    self.deliveries[str(alert["id"])] += 1
            except ValueError:
                pass
            writer.write(
                b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
            await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            writer.close()
