"""A local stand-in for Slack's Socket Mode: a WebSocket server on 127.0.0.1 that the Web API
double's `apps.connections.open` points to, so a real `slack_sdk` Socket Mode client (and
Bolt's `SocketModeHandler` on it) connects here as it would to Slack.

    from bot.sandbox.slack_double import SlackDouble
    from bot.sandbox.socket_mode_double import SocketModeDouble

    with SlackDouble() as slack, SocketModeDouble(slack) as socket_mode:
        handler = SocketModeHandler(app, slack.app_token, web_client=client)
        handler.connect()
        socket_mode.wait_connected()
        envelope = socket_mode.deliver(slack_requests.event_callback(event))
        envelope.wait_ack()  # the app acknowledged it, within Slack's three seconds

What it plays of Slack's side (slack_sdk's own client decides the rest):

* `apps.connections.open` with the app-level token (`SlackDouble.app_token`, in the
  Authorization header as Slack wants it) answers a `ws://` URL with a fresh ticket; the bot
  token there is `not_allowed_token_type`, another token `invalid_auth` (and the app token
  is `not_allowed_token_type` for the bot's methods). A Web API double without a Socket Mode
  double attached answers `double_has_no_socket_mode`: a test that forgot to start one.
* A connection with a ticket that was handed out gets `hello` first (with `num_connections`
  and the app id); one with another ticket is closed at once.
* `send(type, payload)` — or `deliver(...)` with what the builders of signed_requests.py make
  — sends an envelope to the newest open connection: `events_api` (an event callback, with
  `retry_attempt` and `retry_reason`), `slash_commands` (the command's fields) or
  `interactive` (a block action, shortcut or view submission); `accepts_response_payload` as
  Slack sets it. `redeliver(envelope)` sends the same payload again as Slack's retry does: a
  new envelope id, `retry_attempt` one more, `retry_reason` "timeout".
* Every message the app sends back is checked as Slack would: an acknowledgement names an
  envelope that was sent and not yet acknowledged, arrives within ACK_SECONDS, and carries a
  `payload` only where the envelope accepts one. Anything else is kept in `problems`.
* `disconnect(reason)` sends `{"type": "disconnect", "reason": ...}`: the client opens a new
  connection (`apps.connections.open` again) and the double sends to it from then on.
WebSocket pings are answered by the `websockets` server.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve

ACK_SECONDS = 3.0  # Slack's deadline for an acknowledgement
_RESPONSE_PAYLOAD_INTERACTIONS = {"view_submission", "block_suggestion"}


@dataclass
class Envelope:
    """One envelope sent to the app, and its acknowledgement once it came."""

    envelope_id: str
    type: str
    payload: dict
    accepts_response_payload: bool
    retry_attempt: int
    retry_reason: str
    sent_at: float
    double: SocketModeDouble = field(repr=False)
    ack: dict | None = None
    acked_at: float | None = None

    def message(self) -> dict:
        data: dict[str, Any] = {"envelope_id": self.envelope_id, "type": self.type,
                                "payload": self.payload,
                                "accepts_response_payload": self.accepts_response_payload}
        if self.type == "events_api":
            data |= {"retry_attempt": self.retry_attempt, "retry_reason": self.retry_reason}
        return data

    def wait_ack(self, timeout: float = 10.0) -> dict:
        """The acknowledgement (`{"envelope_id", "payload"?}`); AssertionError if none came."""
        return self.double.wait_ack(self, timeout)

    @property
    def ack_seconds(self) -> float | None:
        return None if self.acked_at is None else self.acked_at - self.sent_at


class SocketModeDouble:
    """Socket Mode's WebSocket side, for the Web API double `slack` (see the module)."""

    def __init__(self, slack) -> None:
        self.slack = slack
        self._lock = threading.Condition()
        self._server = None
        self._thread: threading.Thread | None = None
        self._tickets: set[str] = set()
        self._connections: list[ServerConnection] = []
        self._envelopes: dict[str, Envelope] = {}
        self._sent: list[Envelope] = []
        self.connections_made = 0
        self.problems: list[str] = []

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> SocketModeDouble:
        self._server = serve(self._serve, "127.0.0.1", 0, ping_interval=None)
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name="socket-mode-double", daemon=True)
        self._thread.start()
        self.slack.socket_mode = self
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        if getattr(self.slack, "socket_mode", None) is self:
            self.slack.socket_mode = None
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            connection.close()
        self._server.shutdown()
        if self._thread is not None:
            self._thread.join(5)
        self._server = self._thread = None

    def __enter__(self) -> SocketModeDouble:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._server.socket.getsockname()[1]

    def new_url(self) -> str:
        """What `apps.connections.open` answers: a URL with a ticket good for one connection."""
        ticket = uuid.uuid4().hex
        with self._lock:
            self._tickets.add(ticket)
        return f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}&app_id={self.slack.app_id}"

    # ---------------------------------------------------------------- connections

    def _serve(self, connection: ServerConnection) -> None:
        ticket = parse_qs(urlsplit(connection.request.path).query).get("ticket", [""])[0]
        with self._lock:
            known = ticket in self._tickets
            self._tickets.discard(ticket)
        if not known:
            self._problem(f"a connection with a ticket never handed out ({ticket!r})")
            connection.close(code=1008, reason="invalid ticket")
            return
        with self._lock:
            self._connections.append(connection)
            self.connections_made += 1
            count = len(self._connections)
            self._lock.notify_all()
        connection.send(json.dumps({
            "type": "hello", "num_connections": count,
            "debug_info": {"host": "applink-double", "build_number": 1,
                           "approximate_connection_time": 18060},
            "connection_info": {"app_id": self.slack.app_id}}))
        try:
            for message in connection:
                self._received(message)
        except ConnectionClosed:
            pass
        finally:
            with self._lock:
                if connection in self._connections:
                    self._connections.remove(connection)
                self._lock.notify_all()

    def wait_connected(self, count: int = 1, timeout: float = 10.0) -> None:
        """Until `count` connections were made since the start (and one is open)."""
        with self._lock:
            if not self._lock.wait_for(
                    lambda: self.connections_made >= count and self._connections, timeout):
                raise AssertionError(f"no Socket Mode connection after {timeout}s "
                                     f"({self.connections_made} made)")

    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._connections)

    def disconnect(self, reason: str = "refresh_requested") -> None:
        """Tell the app this connection is going away: it connects anew."""
        self._newest().send(json.dumps({"type": "disconnect", "reason": reason,
                                        "debug_info": {"host": "applink-double"}}))

    def _newest(self) -> ServerConnection:
        with self._lock:
            if not self._connections:
                raise AssertionError("no open Socket Mode connection")
            return self._connections[-1]

    # ---------------------------------------------------------------- envelopes

    def send(self, type: str, payload: dict, *, retry_attempt: int = 0,
             retry_reason: str = "", accepts_response_payload: bool | None = None) -> Envelope:
        """Send one envelope to the newest open connection."""
        if accepts_response_payload is None:
            accepts_response_payload = type == "slash_commands" or (
                type == "interactive" and payload.get("type") in _RESPONSE_PAYLOAD_INTERACTIONS)
        envelope = Envelope(envelope_id=str(uuid.uuid4()), type=type, payload=payload,
                            accepts_response_payload=accepts_response_payload,
                            retry_attempt=retry_attempt, retry_reason=retry_reason,
                            sent_at=time.monotonic(), double=self)
        with self._lock:
            self._envelopes[envelope.envelope_id] = envelope
            self._sent.append(envelope)
        self._newest().send(json.dumps(envelope.message()))
        return envelope

    def deliver(self, request: tuple[str, str], **options) -> Envelope:
        """What the builders of signed_requests.py make — `(body, content_type)` of an event
        callback, a slash command or an interaction — as the envelope Slack sends for it."""
        body, content_type = request
        if content_type.startswith("application/json"):
            return self.send("events_api", json.loads(body), **options)
        fields = {name: values[0] for name, values in parse_qs(body).items()}
        if "payload" in fields:
            return self.send("interactive", json.loads(fields["payload"]), **options)
        return self.send("slash_commands", fields, **options)

    def redeliver(self, envelope: Envelope, reason: str = "timeout") -> Envelope:
        """Slack's retry of an event: the same payload in a new envelope."""
        return self.send(envelope.type, envelope.payload,
                         retry_attempt=envelope.retry_attempt + 1, retry_reason=reason,
                         accepts_response_payload=envelope.accepts_response_payload)

    def wait_ack(self, envelope: Envelope, timeout: float = 10.0) -> dict:
        with self._lock:
            if not self._lock.wait_for(lambda: envelope.ack is not None, timeout):
                raise AssertionError(f"no acknowledgement of {envelope.type} envelope "
                                     f"{envelope.envelope_id} after {timeout}s")
            return envelope.ack

    @property
    def sent(self) -> list[Envelope]:
        with self._lock:
            return list(self._sent)

    def _received(self, message: str | bytes) -> None:
        now = time.monotonic()
        try:
            data = json.loads(message)
        except ValueError:
            self._problem("a message that is not JSON")
            return
        envelope_id = data.get("envelope_id") if isinstance(data, dict) else None
        with self._lock:
            envelope = self._envelopes.get(envelope_id) if envelope_id else None
            if envelope is None:
                self._problem(f"an acknowledgement of an unknown envelope: {data!r}"[:300])
                return
            if envelope.ack is not None:
                self._problem(f"envelope {envelope_id} acknowledged twice")
                return
            if now - envelope.sent_at > ACK_SECONDS:
                self._problem(f"envelope {envelope_id} acknowledged after "
                              f"{now - envelope.sent_at:.1f}s")
            if "payload" in data and not envelope.accepts_response_payload:
                self._problem(f"a payload in the acknowledgement of {envelope.type} envelope "
                              f"{envelope_id}, which accepts none")
            envelope.ack, envelope.acked_at = data, now
            self._lock.notify_all()

    def _problem(self, text: str) -> None:
        with self._lock:
            self.problems.append(text)
            self._lock.notify_all()
