"""A local double of the OpenAI Chat Completions API, for driving the real `ChatOpenAI` client.

`OpenAIDouble(reader)` is a threaded `http.server` on 127.0.0.1, port 0, that serves
`POST /v1/chat/completions` the way the OpenAI API does and records every request:

- the answer is `reader(request)`, a function of the `ChatRequest` (messages, tools,
  response_format): a dict is the reading, sent as the arguments of a call of the request's
  function tool when it has tools (function calling), else as JSON in `message.content`
  (`response_format` json_schema or json_object); a str is sent as `content` as it is (a
  malformed answer); None is a plain-text answer with no structure;
- the body is OpenAI's: `id`, `object: "chat.completion"`, `created`, `model`, `choices[0]`
  with `message` and `finish_reason`, `usage`;
- a failure plan (`plan`: one step per request, then answers; `always`: every request) gives
  OpenAI's error JSON with its status — `RateLimited` (429, `Retry-After`), `ServerError`
  (500) — or answers late (`Slow`); a wrong `Authorization` key is a 401 `invalid_api_key`,
  a strict json_schema OpenAI could not enforce a 400, as the API refuses them.

Errors use OpenAI's shape: `{"error": {"message", "type", "param", "code"}}`.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

API_KEY = "sk-test-kpibot"
COMPLETIONS_PATH = "/v1/chat/completions"


@dataclass(frozen=True)
class ChatRequest:
    """One request as the double received it."""

    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    received_at: float  # time.monotonic()

    @property
    def messages(self) -> list[dict]:
        return self.body.get("messages", [])

    @property
    def tools(self) -> list[dict]:
        return self.body.get("tools", [])

    @property
    def response_format(self) -> dict | None:
        return self.body.get("response_format")

    @property
    def model(self) -> str:
        return self.body.get("model", "")

    def text_of(self, role: str) -> str:
        """The content of the last message of `role` ("system", "user")."""
        found = [m.get("content") or "" for m in self.messages if m.get("role") == role]
        return found[-1] if found else ""


@dataclass(frozen=True)
class RateLimited:
    """429 rate_limit_exceeded with `Retry-After` (seconds; the SDK reads fractions too)."""

    retry_after: float = 0.05


@dataclass(frozen=True)
class ServerError:
    """500 server_error."""


@dataclass(frozen=True)
class Slow:
    """The normal answer, `seconds` late."""

    seconds: float


Step = RateLimited | ServerError | Slow
Reader = Callable[[ChatRequest], "dict | str | None"]


@dataclass
class OpenAIDouble:
    """The double; use as a context manager (`with OpenAIDouble(reader) as api: api.base_url`)."""

    reader: Reader = lambda request: {}
    plan: list[Step] = field(default_factory=list)
    always: Step | None = None
    api_key: str = API_KEY
    requests: list[ChatRequest] = field(default_factory=list)
    reader_errors: list[Exception] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None

    # --- life cycle ------------------------------------------------------------------------

    def __enter__(self) -> Self:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        server.daemon_threads = True
        server.block_on_close = False
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                         name="openai-double", daemon=True).start()
        self._server = server
        return self

    def __exit__(self, *exc_info) -> None:
        self._closing.set()  # a Slow step stops waiting
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    @property
    def completions(self) -> list[ChatRequest]:
        with self._lock:
            return [r for r in self.requests if r.path == COMPLETIONS_PATH]

    # --- answering -------------------------------------------------------------------------

    def record(self, request: ChatRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def next_step(self) -> Step | None:
        """The step of the plan an authorised, well-formed request meets (None: answer it)."""
        with self._lock:
            if self.plan:
                return self.plan.pop(0)
            return self.always

    def respond(self, request: ChatRequest) -> tuple[int, dict, dict[str, str]]:
        """(status, JSON body, extra headers) for a request that reached the endpoint."""
        if request.headers.get("authorization") != f"Bearer {self.api_key}":
            return _error(401, _incorrect_key(request), "invalid_request_error",
                          "invalid_api_key")
        problem = _strict_schema_problem(request.response_format)
        if problem:
            return _error(400, problem, "invalid_request_error", None)
        step = self.next_step()
        match step:
            case RateLimited(retry_after=delay):
                status, body, _ = _error(429, f"Rate limit reached for {request.model} on "
                                              "requests per min (RPM): Limit 3, Used 3, "
                                              "Requested 1.", "requests", "rate_limit_exceeded")
                return status, body, {"Retry-After": f"{delay:g}"}
            case ServerError():
                return _error(500, "The server had an error while processing your request. "
                                   "Sorry about that!", "server_error", None)
            case Slow(seconds=seconds):
                self._closing.wait(seconds)
        if request.body.get("stream"):
            return _error(400, "this double does not stream", "invalid_request_error", None)
        try:
            reading = self.reader(request)
        except Exception as error:  # a broken test reader: a 500 here, the error kept
            self.reader_errors.append(error)
            return _error(500, f"the double's reader failed: {error!r}", "server_error", None)
        return 200, self.completion(request, reading), {}

    def completion(self, request: ChatRequest, reading: dict | str | None) -> dict:
        """The chat.completion body for the reader's answer."""
        message: dict[str, Any] = {"role": "assistant", "content": None, "refusal": None,
                                   "annotations": []}
        finish = "stop"
        tool = _tool_name(request)
        if isinstance(reading, dict) and tool is not None:
            message["tool_calls"] = [{
                "id": f"call_{next(self._ids):024d}", "type": "function",
                "function": {"name": tool, "arguments": json.dumps(reading)}}]
            # a forced call (tool_choice names the function) ends with "stop", as OpenAI's do
            finish = "stop" if isinstance(request.body.get("tool_choice"), dict) else "tool_calls"
        elif isinstance(reading, dict):
            message["content"] = json.dumps(reading)
        elif isinstance(reading, str):
            message["content"] = reading
        else:
            message["content"] = "I can only help with support KPIs."
        prompt = sum(len(str(m.get("content") or "")) for m in request.messages) // 4 + 1
        answered = len(json.dumps(message)) // 4 + 1
        return {
            "id": f"chatcmpl-double{next(self._ids):012d}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": request.model,
            "choices": [{"index": 0, "message": message, "logprobs": None,
                         "finish_reason": finish}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": answered,
                      "total_tokens": prompt + answered},
            "service_tier": "default",
            "system_fingerprint": "fp_double",
        }


def _tool_name(request: ChatRequest) -> str | None:
    """The function the request forces or, with one tool, offers; None without tools."""
    choice = request.body.get("tool_choice")
    if isinstance(choice, dict):
        return choice.get("function", {}).get("name")
    functions = [t["function"]["name"] for t in request.tools if t.get("type") == "function"]
    return functions[0] if functions else None


def _strict_schema_problem(response_format: dict | None) -> str | None:
    """OpenAI's refusal of a strict json_schema it cannot enforce: every object must list
    all its properties as required and forbid others. None when the schema is fine."""
    if not response_format or response_format.get("type") != "json_schema":
        return None
    described = response_format.get("json_schema") or {}
    if not described.get("strict"):
        return None
    pending = [((), described.get("schema") or {})]
    while pending:
        where, node = pending.pop()
        if isinstance(node, list):
            pending += [(where, item) for item in node]
            continue
        if not isinstance(node, dict):
            continue
        if node.get("type") == "object":
            missing = set(node.get("properties", {})) - set(node.get("required", []))
            if missing or node.get("additionalProperties") is not False:
                reason = (f"'required' is required to be supplied and to be an array including "
                          f"every key in properties. Missing '{min(missing)}'." if missing
                          else "'additionalProperties' is required to be supplied and to be "
                               "false.")
                return (f"Invalid schema for response_format '{described.get('name')}': In "
                        f"context={where}, {reason}")
        pending += [((*where, key), value) for key, value in node.items()
                    if isinstance(value, dict | list)]
    return None


def _incorrect_key(request: ChatRequest) -> str:
    given = request.headers.get("authorization", "").removeprefix("Bearer ")
    if not given:
        return ("You didn't provide an API key. You need to provide your API key in an "
                "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).")
    shown = given[:3] + "*" * max(len(given) - 7, 0) + given[-4:] if len(given) > 7 else "***"
    return (f"Incorrect API key provided: {shown}. You can find your API key at "
            "https://platform.openai.com/account/api-keys.")


def _error(status: int, message: str, kind: str, code: str | None) -> tuple[int, dict, dict]:
    return status, {"error": {"message": message, "type": kind, "param": None,
                              "code": code}}, {}


def _handler_for(double: OpenAIDouble) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # http.server's naming
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            headers = {name.lower(): value for name, value in self.headers.items()}
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                self._send(*_error(400, "We could not parse the JSON body of your request.",
                                   "invalid_request_error", None))
                return
            request = ChatRequest("POST", self.path, headers, body, time.monotonic())
            double.record(request)
            if self.path != COMPLETIONS_PATH:
                self._send(*_error(404, f"Invalid URL (POST {self.path})",
                                   "invalid_request_error", None))
                return
            self._send(*double.respond(request))

        def _send(self, status: int, body: dict, headers: dict[str, str]) -> None:
            data = json.dumps(body).encode()
            try:
                self.send_response(status, HTTPStatus(status).phrase)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("x-request-id", f"req_double{status}")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout)
                pass

        def log_message(self, format: str, *args) -> None:  # quiet
            pass

    return Handler
