"""The Slack double's HTTP server: `SlackDouble` serves the Web API methods (methods.py) on
127.0.0.1 from a daemon thread, checks the token, applies the failures a test plans
(`fail_next`, `fail_always`), records every call (`calls`, `wait_for`) and takes the byte
uploads and `response_url` posts. See the package's docstring for how to use it.
"""

from __future__ import annotations

import email.parser
import email.policy
import http
import json
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bot.sandbox.slack_double.methods import WebApiMethods, _api_error


@dataclass(frozen=True)
class Call:
    """One request the double received.

    ``method`` is the Web API method (``"chat.postMessage"``), or ``"upload"`` for a file's
    bytes posted to an upload URL, or ``"response_url"`` for a post to a response URL.
    ``failed`` is true when the answer was not a success (an injected failure, a wrong token,
    an unknown user, ...); ``error`` then holds Slack's error code when there is one.
    """

    method: str
    params: dict
    headers: dict
    at: float
    failed: bool = False
    error: str | None = None
    status: int = 200
    path: str = ""
    response: dict | None = None  # what the double answered, when it answered JSON


@dataclass(frozen=True)
class _Failure:
    error: str
    status: int
    retry_after: int | None
    body: str | None


@dataclass(frozen=True)
class _Answer:
    status: int
    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...] = ()
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.status != 200 or self.error is not None

    def json(self) -> dict | None:
        return json.loads(self.body) if self.content_type.startswith("application/json") else None

    @classmethod
    def api(cls, data: dict, status: int = 200, headers=()) -> _Answer:
        error = None if data.get("ok") else str(data.get("error", "unknown_error"))
        body = json.dumps(data).encode()
        return cls(status, body, "application/json; charset=utf-8", tuple(headers), error)

    @classmethod
    def text(cls, text: str, status: int = 200, error: str | None = None) -> _Answer:
        return cls(status, text.encode(), "text/plain; charset=utf-8", (), error)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default of 5 drops connections under load tests


class SlackDouble(WebApiMethods):
    """A Slack Web API double served over HTTP on 127.0.0.1 from a daemon thread."""

    def __init__(self, token: str = "xoxb-test", *, latency: float = 0.0) -> None:
        super().__init__()
        self.token = token
        self.latency = latency
        self._changed = threading.Condition(self._lock)
        self._calls: list[Call] = []
        self._planned_failures: dict[str, deque[_Failure]] = {}
        self._permanent_failures: dict[str, str] = {}
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> SlackDouble:
        if self._server is not None:
            return self
        double = self

        class Handler(_RequestHandler):
            slack = double

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.01},  # stop() waits up to one poll interval
            name="slack-double",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> SlackDouble:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("SlackDouble is not started")
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """The ``base_url`` for ``WebClient`` (with the trailing slash it needs)."""
        return f"{self.base_url}/api/"

    def response_url(self, response_id: str = "1") -> str:
        """A ``response_url`` (as in a slash command or block action) that posts to the double."""
        return f"{self.base_url}/response/{response_id}"

    # ------------------------------------------------------------------ failures

    def fail_next(
        self,
        method: str,
        *,
        error: str = "ratelimited",
        status: int = 429,
        retry_after: int | None = 1,
        times: int = 1,
        body: str | None = None,
    ) -> None:
        """Make the next ``times`` calls to ``method`` fail.

        * ``status=429``: body ``{"ok": false, "error": error}`` and, unless ``retry_after`` is
          None, a ``Retry-After: <retry_after>`` header.
        * ``status>=500``: a plain-text body (``"500 Internal Server Error"``), like a proxy
          in front of Slack would send.
        * any other status (200 included): ``{"ok": false, "error": error}`` at that status.

        ``body`` replaces the body text. Plans queue up: two ``fail_next`` calls for one
        method fail the next two calls, in order. ``method`` may also be ``"upload"`` or
        ``"response_url"``.
        """
        failure = _Failure(error, status, retry_after, body)
        with self._lock:
            self._planned_failures.setdefault(method, deque()).extend([failure] * times)

    def fail_always(self, method: str, error: str) -> None:
        """Answer every call to ``method`` with ``{"ok": false, "error": error}`` at HTTP 200."""
        with self._lock:
            self._permanent_failures[method] = error

    def clear_failures(self) -> None:
        with self._lock:
            self._planned_failures.clear()
            self._permanent_failures.clear()

    # ------------------------------------------------------------------ inspection

    def calls(self, method: str | None = None, *, failed: bool | None = None) -> list[Call]:
        """Recorded calls in arrival order, optionally only one method's and/or only
        failed (``failed=True``) or successful (``failed=False``) ones."""
        with self._lock:
            return self._select(method, None, failed)

    def wait_for(
        self,
        method: str,
        predicate: Callable[[Call], bool] | None = None,
        timeout: float = 5.0,
        count: int = 1,
        *,
        failed: bool | None = None,
    ) -> Call:
        """Block until ``count`` calls to ``method`` (matching ``predicate`` and ``failed``, when
        given) were recorded, and return the ``count``-th of them. Failed attempts count unless
        ``failed=False``. Raises AssertionError listing the calls seen when ``timeout`` ends."""
        with self._changed:
            found = self._changed.wait_for(
                lambda: len(self._select(method, predicate, failed)) >= count, timeout
            )
            if found:
                return self._select(method, predicate, failed)[count - 1]
            seen = list(self._calls)
        matching = [c for c in seen if c.method == method]
        what = f"{count} call(s) to {method}"
        if predicate is not None:
            what += f" matching {getattr(predicate, '__name__', repr(predicate))}"
        if failed is not None:
            what += " that failed" if failed else " that succeeded"
        lines = [
            f"timed out after {timeout}s waiting for {what}; "
            f"{len(matching)} call(s) to {method}, {len(seen)} call(s) in all:"
        ]
        lines += [f"  {_describe(call)}" for call in seen] or ["  (none)"]
        raise AssertionError("\n".join(lines))

    def reset(self) -> None:
        """Forget recorded calls, uploads and messages (the directory and failure plans
        stay)."""
        with self._lock:
            self._calls.clear()
            self._forget_kept()

    def _select(self, method, predicate, failed) -> list[Call]:
        return [
            call
            for call in self._calls
            if (method is None or call.method == method)
            and (failed is None or call.failed == failed)
            and (predicate is None or predicate(call))
        ]

    # ------------------------------------------------------------------ request handling

    def _handle(self, http_method: str, path: str, headers: dict, body: bytes) -> _Answer:
        if self.latency:
            time.sleep(self.latency)
        url = urlsplit(path)
        route, _, rest = url.path.lstrip("/").partition("/")
        if route != "upload":
            params = _parse_params(url.query, headers.get("content-type", ""), body)
        if route == "api" and rest:
            method = rest
            answer = self._answer_api(method, headers, params)
        elif route == "upload" and rest and http_method == "POST":
            method = "upload"
            params = {"file_id": rest, "length": len(body)}
            answer = self._injected_failure(method) or self._upload_answer(rest, body)
        elif route == "response" and rest and http_method == "POST":
            method = "response_url"
            answer = self._injected_failure(method) or _Answer.text("ok")
        else:
            return _Answer.text(f"no route for {http_method} {url.path}", status=404)
        self._record(
            Call(method, params, headers, time.time(), answer.failed, answer.error,
                 answer.status, url.path, answer.json())
        )
        return answer

    def _record(self, call: Call) -> None:
        with self._changed:
            self._calls.append(call)
            self._changed.notify_all()

    def _answer_api(self, method: str, headers: dict, params: dict) -> _Answer:
        authorization = headers.get("authorization", "")
        token = authorization.removeprefix("Bearer ").strip() or params.get("token")
        refused = self._token_refusal(method, authorization.removeprefix("Bearer ").strip(),
                                      token)
        if refused is not None:
            return _Answer.api(_api_error(refused))
        failure = self._injected_failure(method)
        if failure is not None:
            return failure
        return _Answer.api(self._method_answer(method, params),
                           headers=(("x-oauth-scopes", ",".join(self.scopes)),))

    def _upload_answer(self, file_id: str, content: bytes) -> _Answer:
        if not self._receive_upload(file_id, content):
            return _Answer.text(f"unknown upload {file_id}", status=404, error="not_found")
        return _Answer.text(f"OK - {len(content)}")

    def _injected_failure(self, method: str) -> _Answer | None:
        with self._lock:
            planned = self._planned_failures.get(method)
            failure = planned.popleft() if planned else None
            permanent = self._permanent_failures.get(method)
        if failure is None:
            return _Answer.api(_api_error(permanent)) if permanent is not None else None
        if failure.status >= 500:
            phrase = _status_phrase(failure.status)
            text = failure.body if failure.body is not None else f"{failure.status} {phrase}"
            return _Answer.text(text, status=failure.status, error=failure.error)
        extra = ()
        if failure.status == 429 and failure.retry_after is not None:
            extra = (("Retry-After", str(failure.retry_after)),)
        if failure.body is not None:
            return _Answer(failure.status, failure.body.encode(), "text/plain; charset=utf-8",
                           extra, failure.error)
        return _Answer.api(_api_error(failure.error), status=failure.status, headers=extra)


class _RequestHandler(BaseHTTPRequestHandler):
    slack: SlackDouble
    server_version = "SlackDouble/1.0"

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        self._serve("POST")

    def do_GET(self) -> None:  # noqa: N802
        self._serve("GET")

    def _serve(self, http_method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            answer = self.slack._handle(http_method, self.path, headers, body)
        except Exception:  # a bug in the double: say so instead of dropping the connection
            text = "SlackDouble internal error:\n" + traceback.format_exc()
            answer = _Answer.text(text, status=500, error="double_internal_error")
            self.log_error("%s", text)
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        for name, value in answer.headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(answer.body)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass  # no access log in test output; errors still go to log_error (stderr)


def _parse_params(query: str, content_type: str, body: bytes) -> dict:
    params: dict[str, Any] = _flatten(parse_qs(query, keep_blank_values=True))
    media_type = content_type.split(";")[0].strip().lower()
    if not body:
        return params
    if media_type == "application/json":
        parsed = json.loads(body)
        params.update(parsed if isinstance(parsed, dict) else {"_json": parsed})
    elif media_type == "multipart/form-data":
        params.update(_parse_multipart(content_type, body))
    else:
        params.update(_flatten(parse_qs(body.decode(), keep_blank_values=True)))
    return params


def _parse_multipart(content_type: str, body: bytes) -> dict:
    """Fields become strings, file parts stay bytes (keyed by their form field name)."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        fields[name] = payload if part.get_filename() else payload.decode()
    return fields


def _flatten(values: dict[str, list[str]]) -> dict[str, Any]:
    return {key: found[0] if len(found) == 1 else found for key, found in values.items()}


def _status_phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _describe(call: Call) -> str:
    params = {k: v for k, v in call.params.items() if k != "token"}
    text = json.dumps(params, default=repr)
    if len(text) > 200:
        text = text[:200] + "..."
    outcome = f" -> {call.status} {call.error}" if call.failed else ""
    return f"{call.method} {text}{outcome}"
