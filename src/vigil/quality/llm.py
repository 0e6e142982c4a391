"""A small client for an OpenAI-compatible chat-completions endpoint (llama.cpp's server,
vLLM, Ollama's /v1, …): timeouts, retries with backoff on transport errors, 429 and 5xx."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from vigil.core.config import Settings
from vigil.core.errors import ServiceUnavailable

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
BACKOFF_SECONDS = 0.5
TEMPERATURE = 0.3
TOP_P = 0.9
MAX_TOKENS = 1024


class LLMError(Exception):
    """The model could not be reached or answered nonsense after all retries."""


class LLMNotConfigured(ServiceUnavailable):
    code = "llm_not_configured"

    def __init__(self) -> None:
        super().__init__(
            "no LLM is configured for quality evaluation; set VIGIL_LLM_URL to an "
            "OpenAI-compatible endpoint (e.g. http://127.0.0.1:8080 for llama.cpp's server)"
        )


def completions_url(base: str) -> str:
    base = base.rstrip("/")
    if base.endswith("/chat/completions"):
        return base
    if base.endswith("/v1"):
        return base + "/chat/completions"
    return base + "/v1/chat/completions"


class ChatClient:
    def __init__(
        self, settings: Settings, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        if not settings.llm_url:
            raise LLMNotConfigured()
        self.url = completions_url(settings.llm_url)
        self.model = settings.llm_model
        self.retries = settings.llm_max_retries
        headers = (
            {"Authorization": f"Bearer {settings.llm_api_key}"} if settings.llm_api_key else {}
        )
        self._client = httpx.AsyncClient(
            headers=headers,
            timeout=httpx.Timeout(
                settings.llm_timeout_seconds, connect=settings.llm_connect_timeout_seconds
            ),
            transport=transport,
        )

    async def __aenter__(self) -> ChatClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._client.aclose()

    async def chat(self, system: str, user: str) -> str:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
            "temperature": TEMPERATURE,
            "top_p": TOP_P,
            "max_tokens": MAX_TOKENS,
        }
        last_error = "no attempt made"
        for attempt in range(self.retries + 1):
            if attempt:
                await asyncio.sleep(BACKOFF_SECONDS * 2 ** (attempt - 1))
            try:
                response = await self._client.post(self.url, json=body)
            except httpx.TransportError as exc:
                last_error = f"{type(exc).__name__}"
                continue
            if response.status_code in RETRY_STATUSES:
                last_error = f"HTTP {response.status_code}"
                continue
            if response.status_code >= 400:
                raise LLMError(f"LLM refused the request: HTTP {response.status_code}")
            try:
                content = response.json()["choices"][0]["message"]["content"]
            except (ValueError, KeyError, IndexError, TypeError) as exc:
                raise LLMError("LLM answer is not a chat completion") from exc
            return str(content or "")
        raise LLMError(f"LLM unreachable after {self.retries + 1} attempts: {last_error}")
