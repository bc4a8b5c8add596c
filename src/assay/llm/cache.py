"""A response cache on disk, keyed by (provider, model, prompt hash).

Re-running a refinement with the same schema, data sample, documentation and prompt
template asks the same questions; answering them from ``.assay/llm-cache/`` makes the
re-run reproducible (same answers, so the same schema), free, and possible offline.
Entries are small JSON files written atomically; concurrent writers of the same key
write the same content.  ``offline=True`` turns a miss into an error instead of a call.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import time
from pathlib import Path

import orjson

from assay.llm.client import LLMClient, LLMRequest, LLMResponse, ProviderConfigError

log = logging.getLogger(__name__)

DEFAULT_DIRECTORY = Path(".assay") / "llm-cache"


def cache_key(provider: str, model: str, prompt_hash: str) -> str:
    return hashlib.sha256(f"{provider}\0{model}\0{prompt_hash}".encode()).hexdigest()


class CachedClient:
    """Wraps any :class:`LLMClient`; same interface, answers kept on disk."""

    def __init__(
        self, client: LLMClient, directory: str | Path = DEFAULT_DIRECTORY, *, offline: bool = False
    ) -> None:
        self.client = client
        self.provider = client.provider
        self.model = client.model
        self.directory = Path(directory)
        self.offline = offline
        self.hits = 0
        self.misses = 0

    def path(self, request: LLMRequest) -> Path:
        key = cache_key(self.provider, self.model, request.prompt_hash())
        return self.directory / key[:2] / f"{key}.json"

    def complete(self, request: LLMRequest) -> LLMResponse:
        path = self.path(request)
        entry = _load(path)
        if entry is not None:
            self.hits += 1
            log.debug("answer from the cache: %s", path)
            return LLMResponse(
                entry["text"], self.provider, self.model, 0.0, cached=True,
                details=entry.get("details", {}),
            )  # fmt: skip
        if self.offline:
            raise ProviderConfigError(
                f"no cached answer for this prompt in {self.directory} and offline mode is on",
                hint="run once with the model reachable, or drop --offline",
            )
        self.misses += 1
        response = self.client.complete(request)
        _store(path, {
            "provider": self.provider,
            "model": self.model,
            "prompt_hash": request.prompt_hash(),
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "elapsed": round(response.elapsed, 3),
            "details": response.details,
            "text": response.text,
        })  # fmt: skip
        return response


def _load(path: Path) -> dict | None:
    try:
        data = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, orjson.JSONDecodeError) as exc:
        log.warning("ignoring an unreadable cache entry %s: %s", path, exc)
        return None
    return data if isinstance(data, dict) and isinstance(data.get("text"), str) else None


def _store(path: Path, entry: dict) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(orjson.dumps(entry, option=orjson.OPT_INDENT_2))
        os.replace(tmp, path)
    except OSError as exc:  # a read-only directory must not fail the run
        log.warning("could not write the LLM cache entry %s: %s", path, exc)
