"""A scripted LLM server on 127.0.0.1 speaking the real Ollama and OpenAI protocols.

``POST /api/chat`` answers like Ollama (NDJSON chunks when ``stream`` is true, one JSON
object otherwise); ``POST /v1/chat/completions`` like an OpenAI-compatible server,
optionally rejecting ``json_schema`` (or ``json_object``) response formats with the 400
such servers send, and checking a bearer key.  Each test scripts the replies: a queue
of :class:`Reply` objects (or callables building one from the request); when the queue
is empty, :func:`good_answer` answers.  Every request is recorded.
"""

from __future__ import annotations

import dataclasses
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson


@dataclass
class Reply:
    content: str | None = None  # the model's text; None: good_answer(request)
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None  # raw body (errors)
    delay: float = 0.0  # seconds before answering


Script = Reply | Callable[[dict[str, Any]], Reply]


def requested_schema(request: dict[str, Any]) -> dict[str, Any] | None:
    """The output schema a client sent (Ollama ``format`` or OpenAI ``json_schema``)."""
    if isinstance(request.get("format"), dict):
        return request["format"]
    rf = request.get("response_format") or {}
    if rf.get("type") == "json_schema":
        return rf["json_schema"]["schema"]
    return None


def requested_columns(request: dict[str, Any]) -> list[str]:
    schema = requested_schema(request)
    if schema is not None:
        return list(schema["properties"]["fields"]["properties"])
    # JSON mode: the columns are named in the last question.
    for message in reversed(request["messages"]):
        if message["role"] == "user":
            match = re.search(
                r"Describe each of these \d+ column\(s\): (.*)\.\s*$", message["content"]
            )
            if match:
                return match.group(1).split(", ")
    raise AssertionError("no columns in the request")


PERSONAL = {"email": "pii", "phone": "pii", "first_name": "pii", "last_name": "pii",
            "postal_code": "quasi_identifier"}  # fmt: skip


def good_answer(
    request: dict[str, Any],
    fields: dict[str, dict[str, Any]] | None = None,
    table: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A valid answer for the request's columns, with per-column overrides."""
    out_fields = {}
    brief = False
    schema = requested_schema(request)
    if schema is not None:
        item = next(iter(schema["properties"]["fields"]["properties"].values()))
        brief = "type" not in item["properties"]
    for name in requested_columns(request):
        value: dict[str, Any] = {
            "description": f"The {name.replace('_', ' ')} of the record.",
            "semantic_type": "other",
            "classification": PERSONAL.get(name, "none"),  # as a decent model would say
        }
        if not brief:
            value |= {
                "type": None, "format": None, "allowed_values": None, "pattern": None,
                "minimum": None, "maximum": None, "references": None,
            }  # fmt: skip
        value["confidence"] = 0.8
        if not brief:
            value["reasoning"] = "scripted"
        value.update((fields or {}).get(name, {}))
        out_fields[name] = value
    answer_table = {"description": "A scripted table.", "grain": "one record", "primary_key": []}
    answer_table.update(table or {})
    return {"table": answer_table, "fields": out_fields}


def answer(
    fields: dict[str, dict[str, Any]] | None = None,
    table: dict[str, Any] | None = None,
    **reply: Any,
) -> Callable[[dict[str, Any]], Reply]:
    """A scripted reply: a good answer with overrides, as the model's text."""

    def build(request: dict[str, Any]) -> Reply:
        text = orjson.dumps(good_answer(request, fields, table)).decode()
        return Reply(content=text, **reply)

    return build


def edited(edit: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], Reply]:
    """A good answer changed by ``edit`` (rename, drop or add fields ...)."""

    def build(request: dict[str, Any]) -> Reply:
        data = good_answer(request)
        edit(data)
        return Reply(content=orjson.dumps(data).decode())

    return build


class FakeLLM:
    def __init__(self) -> None:
        self.script: deque[Script] = deque()
        self.requests: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self.headers: list[dict[str, str]] = []
        self.json_schema_supported = True
        self.json_object_supported = True
        self.api_key: str | None = None
        self.models = {"qwen2.5:7b", "gpt-4o-mini", "test-model"}
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeLLM:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def push(self, *replies: Script) -> None:
        self.script.extend(replies)

    def next_reply(self, request: dict[str, Any]) -> Reply:
        with self._lock:
            item = self.script.popleft() if self.script else None
        if item is None:
            return Reply(content=orjson.dumps(good_answer(request)).decode())
        reply = item(request) if callable(item) else item
        if reply.content is None and reply.body is None and reply.status == 200:
            reply = dataclasses.replace(reply, content=orjson.dumps(good_answer(request)).decode())
        return reply


def _handler(server: FakeLLM) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", 0))
            request = orjson.loads(self.rfile.read(length))
            with server._lock:
                server.requests.append(request)
                server.paths.append(self.path)
                server.headers.append({k.lower(): v for k, v in self.headers.items()})
                server.in_flight += 1
                server.max_in_flight = max(server.max_in_flight, server.in_flight)
            try:
                if self.path == "/api/chat":
                    self._ollama(request)
                elif self.path == "/v1/chat/completions":
                    self._openai(request)
                else:
                    self._send(404, {"error": "not found"})
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)
            finally:
                with server._lock:
                    server.in_flight -= 1

        def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = body if isinstance(body, bytes) else orjson.dumps(body)
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def _error(self, reply: Reply) -> bool:
            if reply.delay:
                time.sleep(reply.delay)
            if reply.status != 200:
                body = reply.body or orjson.dumps({"error": f"scripted status {reply.status}"})
                self._send(reply.status, body, reply.headers)
                return True
            return False

        def _ollama(self, request: dict[str, Any]) -> None:
            if request.get("model") not in server.models:
                self._send(404, {"error": f"model '{request.get('model')}' not found"})
                return
            reply = server.next_reply(request)
            if self._error(reply):
                return
            text = reply.content or ""
            meta = {"model": request["model"], "created_at": "2026-01-01T00:00:00Z"}
            if not request.get("stream", True):
                self._send(200, {
                    **meta, "message": {"role": "assistant", "content": text}, "done": True,
                    "done_reason": "stop", "prompt_eval_count": 100, "eval_count": len(text) // 4,
                })  # fmt: skip
                return
            self.send_response(200)
            self.send_header("content-type", "application/x-ndjson")
            self.end_headers()
            step = max(1, len(text) // 5)
            for i in range(0, len(text), step):
                line = {**meta, "message": {"role": "assistant", "content": text[i : i + step]},
                        "done": False}  # fmt: skip
                self.wfile.write(orjson.dumps(line) + b"\n")
                self.wfile.flush()
            final = {**meta, "message": {"role": "assistant", "content": ""}, "done": True,
                     "done_reason": "stop", "eval_count": len(text) // 4}  # fmt: skip
            self.wfile.write(orjson.dumps(final) + b"\n")

        def _openai(self, request: dict[str, Any]) -> None:
            expected = None if server.api_key is None else f"Bearer {server.api_key}"
            if expected is not None and self.headers.get("authorization") != expected:
                self._send(401, {"error": {"message": "Incorrect API key provided",
                                           "type": "invalid_request_error"}})  # fmt: skip
                return
            rf = (request.get("response_format") or {}).get("type")
            if (rf == "json_schema" and not server.json_schema_supported) or (
                rf == "json_object" and not server.json_object_supported
            ):
                self._send(400, {"error": {
                    "message": f"response_format type '{rf}' is not supported by this server",
                    "type": "invalid_request_error", "param": "response_format",
                }})  # fmt: skip
                return
            if request.get("model") not in server.models:
                self._send(404, {"error": {"message": "The model does not exist",
                                           "type": "invalid_request_error"}})  # fmt: skip
                return
            reply = server.next_reply(request)
            if self._error(reply):
                return
            self._send(200, {
                "id": "chatcmpl-1", "object": "chat.completion", "created": 1767225600,
                "model": request["model"],
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": reply.content}}],
                "usage": {"prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150},
            })  # fmt: skip

    return Handler
