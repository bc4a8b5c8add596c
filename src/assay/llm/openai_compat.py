"""Any OpenAI-compatible chat-completions server: hosted APIs, vLLM, llama.cpp server,
LM Studio, LiteLLM, ...

Structured output degrades gracefully, because servers differ in what they accept:

1. ``response_format: json_schema`` (strict) with the full schema;
2. the same without ``minLength``/``maxLength`` (hosted OpenAI's strict mode rejects
   them; lengths are still checked on the answer);
3. ``response_format: json_object`` (JSON mode: any JSON, the schema is in the prompt);
4. no ``response_format`` at all.

A level is dropped when the server answers 400/422 naming ``response_format`` or the
schema; the client remembers the level that worked, so later chunks do not pay again.
Every answer is validated by the caller whatever the level.
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

DEFAULT_URL = "https://api.openai.com/v1"
MODES = ("json_schema", "json_schema_portable", "json_object", "none")
_PORTABLE_DROP = frozenset({"minLength", "maxLength"})


class OpenAIClient:
    provider = "openai"

    def __init__(
        self,
        model: str,
        base_url: str | None = None,
        *,
        api_key: str | None = None,
        options: HttpOptions | None = None,
        connections: int = 4,
    ) -> None:
        if not model:
            raise ProviderConfigError(
                "the openai provider needs a model name",
                hint="e.g. --llm openai:gpt-4o-mini@http://localhost:8000/v1",
            )
        self.model = model
        headers = {"authorization": f"Bearer {api_key}"} if api_key else {}
        self._transport = HttpTransport(
            base_url or DEFAULT_URL,
            name="the OpenAI-compatible server",
            headers=headers,
            options=options,
            secrets=(api_key,) if api_key else (),
            connections=connections,
        )
        self._mode = 0
        self._lock = threading.Lock()

    @property
    def base_url(self) -> str:
        return self._transport.base_url

    @property
    def mode(self) -> str:
        """The structured-output level currently in use (see the module docstring)."""
        return MODES[self._mode]

    def complete(self, request: LLMRequest) -> LLMResponse:
        started = time.monotonic()
        while True:
            mode = self._mode
            payload = self._payload(request, MODES[mode])
            answer = self._transport.post("/chat/completions", payload)
            if answer.status in (400, 422) and mode < len(MODES) - 1 and _about_format(answer.text):
                with self._lock:
                    self._mode = max(self._mode, mode + 1)
                continue
            break
        elapsed = time.monotonic() - started
        if answer.status in (401, 403):
            raise ProviderConfigError(
                f"{self.base_url} refused the credentials (HTTP {answer.status})",
                hint="set the API key in the environment (OPENAI_API_KEY or ASSAY_LLM_API_KEY)",
            )
        if answer.status == 404:
            raise ProviderConfigError(
                f"{self.base_url}/chat/completions or model {self.model!r} not found: "
                f"{_error(answer.body, answer.text)}",
                hint="check the base URL (it usually ends in /v1) and the model name",
            )
        if answer.status >= 400:
            raise ProviderError(
                f"the OpenAI-compatible server answered HTTP {answer.status}: "
                f"{_error(answer.body, answer.text)}"
            )
        text, details = _content(answer.body)
        details["response_format"] = MODES[mode]
        return LLMResponse(text, self.provider, self.model, elapsed, details=details)

    def _payload(self, request: LLMRequest, mode: str) -> dict[str, Any]:
        messages = [{"role": m.role, "content": m.content} for m in request.messages]
        payload: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": request.temperature,
            "seed": request.seed,
            "max_tokens": request.max_tokens,
        }
        if mode.startswith("json_schema"):
            schema = request.schema if mode == "json_schema" else portable(request.schema)
            payload["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": request.schema_name, "strict": True, "schema": schema},
            }
        elif mode == "json_object":
            payload["response_format"] = {"type": "json_object"}
        return payload


def portable(schema: Any) -> Any:
    """The schema without the keywords strict hosted modes reject (length limits)."""
    if isinstance(schema, dict):
        return {k: portable(v) for k, v in schema.items() if k not in _PORTABLE_DROP}
    if isinstance(schema, list):
        return [portable(v) for v in schema]
    return schema


def _about_format(text: str) -> bool:
    lowered = text.lower()
    return any(w in lowered for w in ("response_format", "json_schema", "json_object", "schema"))


def _content(body: Any) -> tuple[str, dict[str, Any]]:
    try:
        choice = body["choices"][0]
        message = choice["message"]
    except (KeyError, IndexError, TypeError):
        raise ProviderError("the server's answer has no choices[0].message") from None
    content = message.get("content")
    if not isinstance(content, str):
        refusal = message.get("refusal")
        if refusal:
            raise ProviderError(f"the model refused: {refusal}")
        raise ProviderError("the server's answer has no message content")
    details: dict[str, Any] = {}
    if choice.get("finish_reason"):
        details["finish_reason"] = choice["finish_reason"]
    usage = body.get("usage")
    if isinstance(usage, dict):
        details.update({k: usage[k] for k in ("prompt_tokens", "completion_tokens") if k in usage})
    return content, details


def _error(body: Any, text: str) -> str:
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])
        if isinstance(error, str):
            return error
    text = " ".join(text.split())
    return text[:200] if text else "no details"
