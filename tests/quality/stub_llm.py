"""A real-socket stub of an OpenAI-compatible chat-completions server for tests."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Responder = Callable[[str], str]


@contextmanager
def stub_llm(respond: Responder, fail_first: int = 0) -> Iterator[dict[str, Any]]:
    """Serve ``POST /v1/chat/completions``; ``respond(user_message) -> content``. The first
    ``fail_first`` requests get 503 (to exercise retries). Yields {"url", "requests"}."""
    state: dict[str, Any] = {"requests": [], "failures_left": fail_first}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", 0))
            body = json.loads(self.rfile.read(length))
            state["requests"].append(
                {"path": self.path, "body": body, "auth": self.headers.get("authorization")}
            )
            if state["failures_left"] > 0:
                state["failures_left"] -= 1
                self.send_response(503)
                self.end_headers()
                return
            content = respond(body["messages"][-1]["content"])
            payload = json.dumps(
                {
                    "id": "stub",
                    "object": "chat.completion",
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": content},
                            "finish_reason": "stop",
                        }
                    ],
                }
            ).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *_: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        state["url"] = f"http://127.0.0.1:{server.server_address[1]}"
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
