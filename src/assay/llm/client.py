"""The one seam to a language model: :class:`LLMClient.complete`.

Every provider (Ollama, OpenAI-compatible servers, an in-process GGUF model) turns an
:class:`LLMRequest` — chat messages plus the JSON Schema the answer must follow — into
an :class:`LLMResponse` holding the raw text.  Nothing here knows about tables or data:
parsing and validating the text is the caller's job (see :mod:`assay.llm.suggestions`),
because a model's output is data to be checked, never trusted.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import orjson

from assay.errors import LLMError


@dataclass(frozen=True)
class Message:
    role: str  # "system", "user" or "assistant"
    content: str


@dataclass(frozen=True)
class LLMRequest:
    """What to ask: the conversation and the shape of the answer.

    ``schema`` is a JSON Schema (draft 2020-12 subset that every provider understands:
    objects, arrays, enums, min/max items, max length, nullable unions); providers pass
    it on for constrained decoding where they can.  ``temperature`` 0 and a fixed
    ``seed`` make answers as repeatable as the provider allows.
    """

    messages: tuple[Message, ...]
    schema: dict[str, Any]
    schema_name: str = "answer"
    temperature: float = 0.0
    seed: int = 0
    max_tokens: int = 4096

    def prompt_hash(self) -> str:
        """A stable digest of everything that shapes the answer (the cache key's core)."""
        payload = {
            "messages": [[m.role, m.content] for m in self.messages],
            "schema": self.schema,
            "schema_name": self.schema_name,
            "temperature": self.temperature,
            "seed": self.seed,
            "max_tokens": self.max_tokens,
        }
        return hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest()


@dataclass(frozen=True)
class LLMResponse:
    text: str
    provider: str
    model: str
    elapsed: float = 0.0  # seconds spent waiting for the provider (0 from the cache)
    cached: bool = False
    details: dict[str, Any] = field(default_factory=dict)  # token counts, finish reason


@runtime_checkable
class LLMClient(Protocol):
    """A language model behind one method.  Implementations must be thread-safe."""

    provider: str
    model: str

    def complete(self, request: LLMRequest) -> LLMResponse: ...


class ProviderError(LLMError):
    """The provider could not answer (timeout, rate limit, server error) after retries.

    The refinement falls back to heuristics for the affected columns: a misbehaving or
    overloaded model never fails a run.
    """

    code = "llm_provider_error"


class ProviderConfigError(LLMError):
    """The provider cannot work as configured (no server, bad key, unknown model, missing
    model file).  Retrying or falling back would only hide the mistake, so this stops
    the run with one line saying what to fix."""

    code = "llm_config_error"
