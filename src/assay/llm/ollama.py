"""The native Ollama API: ``POST /api/chat`` with a JSON Schema ``format``.

Streaming (the default) reads the NDJSON chunks as they come, so a model that keeps
talking past the timeout is cut off; ``stream=False`` asks for one JSON answer.
Temperature 0 and a fixed seed make answers repeatable.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from assay.llm.client import (
    LLMRequest,
    LLMResponse,
    ProviderConfigError,
    ProviderError,
)
from assay.llm.http import HttpOptions, HttpTransport

DEFAULT_URL = "http://localhost:11434"


class OllamaClient:
    provider = "ollama"

    def __init__(
        self,
        model: str,
        base_url: str | None = None,
        *,
        options: HttpOptions | None = None,
        stream: bool = True,
        num_ctx: int | None = None,
        connections: int = 4,
    ) -> None:
        if not model:
            raise ProviderConfigError(
                "the ollama provider needs a model name", hint="e.g. --llm ollama:qwen2.5:7b"
            )
        self.model = model
        self.stream = stream
        self.num_ctx = num_ctx
        self._transport = HttpTransport(
            base_url or DEFAULT_URL, name="Ollama", options=options, connections=connections
        )
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return self._transport.base_url

    def complete(self, request: LLMRequest) -> LLMResponse:
        model_options: dict[str, Any] = {
            "temperature": request.temperature,
            "seed": request.seed,
            "num_predict": request.max_tokens,
        }
        if self.num_ctx:
            model_options["num_ctx"] = self.num_ctx
        payload = {
            "model": self.model,
            "messages": [{"role": m.role, "content": m.content} for m in request.messages],
            "format": request.schema,
            "stream": self.stream,
            "options": model_options,
        }
        started = time.monotonic()
        answer = self._transport.post("/api/chat", payload, stream=self.stream)
        elapsed = time.monotonic() - started
        if answer.status == 404:
            raise ProviderConfigError(
                f"Ollama at {self.base_url} has no model {self.model!r}: {_error(answer.body)}",
                hint=f"pull it with: ollama pull {self.model}",
            )
        if answer.status >= 400:
            raise ProviderError(f"Ollama answered HTTP {answer.status}: {_error(answer.body)}")
        if self.stream:
            text, details = _from_stream(answer.body)
        else:
            text, details = _from_message(answer.body)
        return LLMResponse(text, self.provider, self.model, elapsed, details=details)


def _from_message(body: Any) -> tuple[str, dict[str, Any]]:
    if not isinstance(body, dict):
        raise ProviderError("Ollama sent an answer that is not a JSON object")
    if "error" in body:
        raise ProviderError(f"Ollama reported an error: {body['error']}")
    message = body.get("message")
    if not isinstance(message, dict) or not isinstance(message.get("content"), str):
        raise ProviderError("Ollama's answer has no message content")
    return message["content"], _details(body)


def _from_stream(lines: Any) -> tuple[str, dict[str, Any]]:
    parts: list[str] = []
    final: dict[str, Any] | None = None
    for line in lines or ():
        if not isinstance(line, dict):
            raise ProviderError("Ollama sent a stream line that is not a JSON object")
        if "error" in line:
            raise ProviderError(f"Ollama reported an error mid-answer: {line['error']}")
        message = line.get("message") or {}
        content = message.get("content")
        if isinstance(content, str):
            parts.append(content)
        if line.get("done"):
            final = line
            break
    if final is None:
        raise ProviderError("Ollama's answer stream ended before it said it was done")
    return "".join(parts), _details(final)


def _details(body: dict[str, Any]) -> dict[str, Any]:
    keys = ("done_reason", "prompt_eval_count", "eval_count", "total_duration")
    return {k: body[k] for k in keys if k in body}


def _error(body: Any) -> str:
    if isinstance(body, dict) and "error" in body:
        return str(body["error"])
    return "no details"
