"""An offline model in-process: llama-cpp-python and a GGUF file.

No server, no network: the model file is loaded on first use (so ``--show-prompt``
never pays for it) and answers are constrained by a grammar compiled from the request's
JSON Schema, so even a small model can only produce well-formed answers with the
allowed column names and vocabulary.  llama.cpp contexts are not thread-safe: calls
are serialized by a lock (concurrency buys nothing on one CPU-bound model anyway).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

import orjson

from assay._deps import require
from assay.llm.client import LLMRequest, LLMResponse, ProviderConfigError, ProviderError

log = logging.getLogger(__name__)

GGUF_MAGIC = b"GGUF"


class LlamaCppClient:
    provider = "gguf"

    def __init__(
        self,
        path: str | Path,
        *,
        n_ctx: int = 8192,
        threads: int | None = None,
        timeout: float | None = None,
    ) -> None:
        self.path = Path(path).expanduser()
        check_model_file(self.path)
        self.model = self.path.name
        self.n_ctx = n_ctx
        self.threads = threads or max(1, os.cpu_count() or 1)
        self.timeout = timeout
        self._llama: Any = None
        self._grammars: dict[str, Any] = {}
        self._lock = threading.Lock()

    def _load(self) -> Any:
        if self._llama is None:
            llama_cpp = require("llama_cpp", extra="gguf", package="llama-cpp-python")
            _route_native_logs(llama_cpp)
            try:
                self._llama = llama_cpp.Llama(
                    model_path=str(self.path),
                    n_ctx=self.n_ctx,
                    n_threads=self.threads,
                    seed=0,
                    verbose=False,
                )
            except (ValueError, RuntimeError, OSError) as exc:
                raise ProviderConfigError(
                    f"{self.path}: llama.cpp could not load this model: {exc}",
                    hint="is it a complete GGUF file for a model llama.cpp supports?",
                ) from None
        return self._llama

    def _grammar(self, schema: dict[str, Any]) -> Any:
        text = orjson.dumps(schema).decode()
        key = hashlib.sha256(text.encode()).hexdigest()
        if key not in self._grammars:
            from llama_cpp import LlamaGrammar

            self._grammars[key] = LlamaGrammar.from_json_schema(text, verbose=False)
        return self._grammars[key]

    def complete(self, request: LLMRequest) -> LLMResponse:
        with self._lock:
            llama = self._load()
            grammar = self._grammar(request.schema)
            started = time.monotonic()
            deadline = None if self.timeout is None else started + self.timeout
            parts: list[str] = []
            finish = None
            try:
                # Streamed, so that the timeout can stop generation between tokens.
                for chunk in llama.create_chat_completion(
                    messages=[{"role": m.role, "content": m.content} for m in request.messages],
                    grammar=grammar,
                    temperature=request.temperature,
                    seed=request.seed,
                    max_tokens=request.max_tokens,
                    stream=True,
                ):
                    choice = chunk["choices"][0]
                    parts.append(choice.get("delta", {}).get("content") or "")
                    finish = choice.get("finish_reason") or finish
                    if deadline is not None and time.monotonic() > deadline:
                        raise ProviderError(f"the model did not finish within {self.timeout:g}s")
            except ValueError as exc:  # e.g. the prompt exceeds the context window
                raise ProviderError(f"llama.cpp failed: {exc}") from None
            elapsed = time.monotonic() - started
        text = "".join(parts)
        details = {"finish_reason": finish, "completion_chars": len(text)}
        return LLMResponse(text, self.provider, self.model, elapsed, details=details)


_callback: Any = None


def _route_native_logs(llama_cpp: Any) -> None:
    """llama.cpp's own messages go to this module's logger (debug), not to stderr, where
    they would break the one-line output of the CLI."""
    global _callback
    if _callback is not None:
        return
    import ctypes

    @llama_cpp.llama_log_callback
    def callback(level: int, text: bytes, user_data: ctypes.c_void_p) -> None:
        message = text.decode("utf-8", "replace").rstrip()
        if message:
            log.debug("llama.cpp: %s", message)

    _callback = callback  # keep a reference: the C library holds only a pointer
    llama_cpp.llama_log_set(callback, ctypes.c_void_p(0))


def check_model_file(path: Path) -> None:
    """A clear error for a missing file or one that is not a GGUF model."""
    if not path.exists():
        raise ProviderConfigError(
            f"{path}: no such model file", hint="give the path of a .gguf file"
        )
    if not path.is_file():
        raise ProviderConfigError(f"{path}: not a file", hint="give the path of a .gguf file")
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic != GGUF_MAGIC:
        raise ProviderConfigError(
            f"{path}: not a GGUF model (the file does not start with 'GGUF')",
            hint="llama.cpp needs a .gguf file; convert other formats with llama.cpp's tools",
        )
