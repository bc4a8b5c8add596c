"""HTTP for the server providers: timeouts, retries with backoff and jitter, redaction.

Retried: connection failures, timeouts, 429 and 5xx — what an overloaded or restarting
server does — with exponential backoff (``backoff * 2**attempt``, capped) times a random
factor in [0.5, 1] so that concurrent chunks do not retry in lockstep; a ``Retry-After``
header (seconds or an HTTP date) is honoured instead, up to ``max_retry_after``.  Other
4xx answers are returned to the provider, which knows what they mean (an OpenAI server
rejecting ``json_schema``, an unknown Ollama model).

Secrets (API keys) travel only in headers and are scrubbed from every message this
module produces, including error bodies a server echoes back.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson

from assay._deps import require
from assay.llm.client import ProviderConfigError, ProviderError

log = logging.getLogger(__name__)

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class HttpOptions:
    timeout: float = 120.0  # seconds for one whole answer
    max_retries: int = 3
    backoff: float = 0.5  # first delay, seconds
    max_backoff: float = 30.0
    max_retry_after: float = 60.0


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    body: Any  # parsed JSON (or None), or a list of parsed NDJSON lines when streaming
    text: str


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "***")
    return text


def retry_delay(attempt: int, options: HttpOptions, retry_after: str | None = None) -> float:
    """Seconds to wait before retry number ``attempt`` (0-based)."""
    if retry_after:
        seconds = _parse_retry_after(retry_after)
        if seconds is not None:
            return min(max(seconds, 0.0), options.max_retry_after)
    base = min(options.max_backoff, options.backoff * 2**attempt)
    return base * random.uniform(0.5, 1.0)


def _parse_retry_after(value: str) -> float | None:
    value = value.strip()
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return when.timestamp() - time.time()


class HttpTransport:
    """One pooled, thread-safe httpx client for a provider's base URL."""

    def __init__(
        self,
        base_url: str,
        *,
        name: str,
        headers: dict[str, str] | None = None,
        options: HttpOptions | None = None,
        secrets: Iterable[str] = (),
        connections: int = 8,
    ) -> None:
        httpx = require("httpx", extra="llm")
        self.base_url = base_url.rstrip("/")
        self.name = name
        self.options = options or HttpOptions()
        self.secrets = tuple(s for s in secrets if s)
        timeout = httpx.Timeout(self.options.timeout, connect=min(10.0, self.options.timeout))
        self._httpx = httpx
        self._client = httpx.Client(
            headers=headers or {},
            timeout=timeout,
            limits=httpx.Limits(max_connections=connections),
            trust_env=False,  # loopback and configured URLs only; no proxy surprises
        )

    def close(self) -> None:
        self._client.close()

    def post(self, path: str, payload: dict[str, Any], *, stream: bool = False) -> HttpAnswer:
        """POST JSON; retry what is worth retrying; return the final answer."""
        url = f"{self.base_url}{path}"
        options = self.options
        last_problem = ""
        for attempt in range(options.max_retries + 1):
            retry_after = None
            try:
                raw = self._once(url, payload, stream)
            except self._httpx.ConnectError as exc:
                last_problem = f"cannot connect to {self.name} at {self.base_url}: {exc}"
                if attempt == options.max_retries:
                    raise ProviderConfigError(
                        self._clean(last_problem), hint="is the server running at that URL?"
                    ) from None
            except (self._httpx.TimeoutException, TimeoutError):
                last_problem = f"{self.name} did not answer within {options.timeout:g}s"
            except self._httpx.TransportError as exc:
                last_problem = f"{self.name} connection failed: {type(exc).__name__}: {exc}"
            else:
                if raw.status not in RETRY_STATUS:
                    return HttpAnswer(raw.status, raw.body, self._clean(raw.text))
                retry_after = raw.headers.get("retry-after")
                last_problem = f"{self.name} answered HTTP {raw.status}: {_brief(raw.text)}"
            if attempt == options.max_retries:
                break
            delay = retry_delay(attempt, options, retry_after)
            log.info(
                "%s; retry %d of %d in %.1fs",
                self._clean(last_problem),
                attempt + 1,
                options.max_retries,
                delay,
            )
            time.sleep(delay)
        raise ProviderError(
            self._clean(last_problem) + f" (gave up after {options.max_retries + 1} attempts)"
        )

    def _once(self, url: str, payload: dict[str, Any], stream: bool) -> _Raw:
        body = orjson.dumps(payload)
        headers = {"content-type": "application/json"}
        if not stream:
            response = self._client.post(url, content=body, headers=headers)
            return _Raw(response.status_code, response.headers, response.text, _json(response.text))
        deadline = time.monotonic() + self.options.timeout
        with self._client.stream("POST", url, content=body, headers=headers) as response:
            if response.status_code >= 400:
                text = response.read().decode("utf-8", "replace")
                return _Raw(response.status_code, response.headers, text, _json(text))
            lines: list[Any] = []
            raw: list[str] = []
            for line in response.iter_lines():
                if time.monotonic() > deadline:
                    raise TimeoutError
                if not line.strip():
                    continue
                raw.append(line)
                lines.append(_json(line))
            return _Raw(response.status_code, response.headers, "\n".join(raw), lines)

    def _clean(self, text: str) -> str:
        return redact(text, self.secrets)


@dataclass(frozen=True)
class _Raw:
    status: int
    headers: Any
    text: str
    body: Any


def _json(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return None


def _brief(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
