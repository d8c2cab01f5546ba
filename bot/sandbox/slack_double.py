"""A local stand-in for Slack's Web API, for the demo, the benchmarks and the tests that drive
the real Bolt App and WebClient.

Only Slack's servers are replaced: point a real ``slack_sdk.WebClient`` at the double with
``base_url=double.api_url`` and every API call, file upload and ``response_url`` post lands
here, is recorded as a :class:`Call`, and is answered the way Slack answers it.

    from bot.sandbox.slack_double import SlackDouble

    with SlackDouble() as slack:
        slack.add_user("U1", real_name="Ada")
        client = WebClient(token="xoxb-test", base_url=slack.api_url)
        client.chat_postMessage(channel="C1", text="hi")
        call = slack.wait_for("chat.postMessage")
        assert call.params["text"] == "hi"

Things worth knowing:

* Calls are recorded in arrival order, including failed attempts (``Call.failed``), so a test
  can count retries. Header names in ``Call.headers`` are lower-cased (urllib sends
  ``Content-type``/``User-agent``; Slack does not care about case and neither should tests).
* Form-encoded params stay strings, as Slack receives them (``True`` arrives as ``"1"``,
  ``files`` of ``files.completeUploadExternal`` is a JSON string); JSON bodies keep their types.
* The byte upload of ``files_upload_v2`` is recorded as a call with method ``"upload"`` and
  its bytes land in :attr:`SlackDouble.uploads`; a ``response_url`` post is recorded with
  method ``"response_url"``. Both names work with :meth:`SlackDouble.fail_next` too.
* Posted messages are kept per channel, with their ``metadata``, and answered by
  ``conversations.history`` (newest first; the metadata only with ``include_all_metadata``),
  changed by ``chat.update`` and removed by ``chat.delete``; :meth:`SlackDouble.messages`
  shows them (:meth:`SlackDouble.message` one of them). Message timestamps follow the clock
  (``time.time()``), strictly increasing.
* A thread's kept messages answer ``conversations.replies`` (the parent first, then the
  replies oldest first) and kept messages have a ``chat.getPermalink``; users registered with
  an ``email`` are found by ``users.lookupByEmail``. ``reactions.add`` keeps no state.
* Only messages posted through the double are kept: a message a person posts (a signed event
  sent to the app) is not, so it has no permalink here. A thread whose parent is such a
  message is still known by its kept replies, and an assistant thread (Slack makes its first
  message) by the ``assistant.threads.*`` calls naming it: ``conversations.replies`` answers
  their kept replies, and ``thread_not_found`` only for threads the double knows nothing of.
* :meth:`SlackDouble.reset` forgets calls, uploads and messages but keeps the directory
  (users, groups, channels) and the failure plans; :meth:`SlackDouble.clear_failures` drops
  the plans.
"""

from __future__ import annotations

import copy
import email.parser
import email.policy
import http
import itertools
import json
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
TEAM_ID = "T1"
TEAM_NAME = "KPI Test Team"
TEAM_URL = "https://kpi-test.slack.com/"
BOT_USER_NAME = "kpibot"
APP_ID = "A1"

_TS_STEP_MICROS = 100
HISTORY_PAGE = 100


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
class Upload:
    """A file whose bytes were posted to an upload URL, plus what completed it (if anything)."""

    file_id: str
    filename: str
    length: int
    content: bytes
    title: str | None = None
    channel_id: str | None = None
    thread_ts: str | None = None
    initial_comment: str | None = None
    completed: bool = False


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


def _api_error(error: str) -> dict:
    return {"ok": False, "error": error}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default of 5 drops connections under load tests


class SlackDouble:
    """A Slack Web API double served over HTTP on 127.0.0.1 from a daemon thread."""

    def __init__(self, token: str = "xoxb-test", *, latency: float = 0.0) -> None:
        self.token = token
        self.latency = latency
        self._lock = threading.RLock()  # predicates of wait_for may call calls()
        self._changed = threading.Condition(self._lock)
        self._calls: list[Call] = []
        self._uploads: dict[str, Upload] = {}
        self._upload_slots: dict[str, tuple[str, int]] = {}
        self._users: dict[str, dict] = {}
        self._usergroups: dict[str, list[str]] = {}
        self._channels: dict[str, dict] = {}
        self._planned_failures: dict[str, deque[_Failure]] = {}
        self._permanent_failures: dict[str, str] = {}
        self._last_ts_micros = 0
        self._messages: dict[str, list[dict]] = {}
        self._assistant_threads: set[tuple[str, str]] = set()  # (channel, thread_ts)
        self._file_counter = itertools.count(1)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        # Methods not listed answer {"ok": true} (views.publish, assistant.threads.*, ...).
        self._methods: dict[str, Callable[[dict], dict]] = {
            "auth.test": self._auth_test,
            "bots.info": self._bots_info,
            "chat.postMessage": self._post_message,
            "chat.update": self._update_message,
            "chat.postEphemeral": self._post_ephemeral,
            "chat.delete": self._delete_message,
            "chat.getPermalink": self._permalink,
            "reactions.add": self._add_reaction,
            "users.info": self._users_info,
            "users.lookupByEmail": self._user_by_email,
            "usergroups.users.list": self._usergroup_members,
            "conversations.info": self._conversations_info,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "assistant.threads.setStatus": self._assistant_thread,
            "assistant.threads.setSuggestedPrompts": self._assistant_thread,
            "assistant.threads.setTitle": self._assistant_thread,
            "views.open": self._open_view,
            "views.update": self._open_view,
            "views.push": self._open_view,
            "views.publish": self._publish_view,
            "files.getUploadURLExternal": self._upload_url,
            "files.completeUploadExternal": self._complete_upload,
        }

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

    # ------------------------------------------------------------------ directory

    def add_user(
        self,
        user_id: str,
        *,
        team_id: str = TEAM_ID,
        name: str | None = None,
        real_name: str | None = None,
        is_bot: bool = False,
        is_app_user: bool = False,
        is_restricted: bool = False,
        is_ultra_restricted: bool = False,
        deleted: bool = False,
        email: str | None = None,
    ) -> dict:
        """Register a user for ``users.info`` (and, with an ``email``, for
        ``users.lookupByEmail``); returns the user object as Slack would send it."""
        name = name if name is not None else user_id.lower()
        real_name = real_name if real_name is not None else name
        user = {
            "id": user_id,
            "team_id": team_id,
            "name": name,
            "real_name": real_name,
            "deleted": deleted,
            "is_bot": is_bot,
            "is_app_user": is_app_user,
            "is_restricted": is_restricted,
            "is_ultra_restricted": is_ultra_restricted,
            "is_admin": False,
            "is_owner": False,
            "tz": "Europe/Paris",
            "profile": {"real_name": real_name, "display_name": name, "team": team_id},
        }
        if email is not None:
            user["profile"]["email"] = email
        with self._lock:
            self._users[user_id] = user
        return user

    def add_usergroup(self, group_id: str, user_ids: Iterable[str]) -> None:
        """Register a user group (``S...``) for ``usergroups.users.list``."""
        with self._lock:
            self._usergroups[group_id] = list(user_ids)

    def add_channel(
        self,
        channel_id: str,
        *,
        name: str,
        is_im: bool = False,
        is_shared: bool = False,
        is_ext_shared: bool = False,
        is_member: bool = True,
    ) -> dict:
        """Register a conversation for ``conversations.info``; returns Slack's channel object."""
        channel = {
            "id": channel_id,
            "name": name,
            "is_channel": not is_im,
            "is_group": False,
            "is_im": is_im,
            "is_mpim": False,
            "is_private": is_im,
            "is_archived": False,
            "is_general": False,
            "is_shared": is_shared,
            "is_ext_shared": is_ext_shared,
            "is_org_shared": False,
            "is_member": is_member,
            "context_team_id": TEAM_ID,
        }
        with self._lock:
            self._channels[channel_id] = channel
        return channel

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
            self._uploads.clear()
            self._upload_slots.clear()
            self._messages.clear()
            self._assistant_threads.clear()

    def add_message(self, channel: str, *, ts: str, text: str = "", user: str | None = None,
                    thread_ts: str | None = None) -> dict:
        """Keep a message a person posted (it reaches the app as an event, never through the
        Web API), so that history, replies and permalinks know it."""
        message = {"type": "message", "text": text, "ts": ts}
        if user is not None:
            message["user"] = user
        if thread_ts is not None:
            message["thread_ts"] = thread_ts
        with self._lock:
            self._messages.setdefault(channel, []).append(message)
        return dict(message)

    def messages(self, channel: str) -> list[dict]:
        """The messages posted in `channel` and not deleted, oldest first (copies)."""
        with self._lock:
            return [dict(message) for message in self._messages.get(channel, [])]

    def message(self, channel: str, ts: str) -> dict | None:
        """The kept message of `channel` whose ``ts`` is `ts` (a top-level message or a reply
        in a thread), as it is now (after any ``chat.update``), or None (a deep copy)."""
        with self._lock:
            found = self._find_message(channel, ts)
            return copy.deepcopy(found) if found is not None else None

    @property
    def uploads(self) -> dict[str, Upload]:
        """Files uploaded so far, by file id (a snapshot)."""
        with self._lock:
            return dict(self._uploads)

    def _find_message(self, channel: str, ts: str) -> dict | None:
        """The kept message itself (not a copy); call with the lock held."""
        return next((m for m in self._messages.get(channel, []) if m["ts"] == ts), None)

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
            answer = self._injected_failure(method) or self._receive_upload(rest, body)
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
        if token != self.token:
            return _Answer.api(_api_error("invalid_auth"))
        failure = self._injected_failure(method)
        if failure is not None:
            return failure
        answer_method = self._methods.get(method)
        data = answer_method(params) if answer_method is not None else {"ok": True}
        return _Answer.api(data)

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

    def _next_ts(self) -> str:
        """A message timestamp from the clock, later than every one given before."""
        with self._lock:
            micros = max(int(time.time() * 1_000_000), self._last_ts_micros + _TS_STEP_MICROS)
            self._last_ts_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    # ------------------------------------------------------------------ Web API methods

    def _auth_test(self, params: dict) -> dict:
        return {
            "ok": True,
            "url": TEAM_URL,
            "team": TEAM_NAME,
            "user": BOT_USER_NAME,
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _bots_info(self, params: dict) -> dict:
        if params.get("bot") != BOT_ID:
            return _api_error("bot_not_found")
        return {"ok": True, "bot": {"id": BOT_ID, "app_id": APP_ID, "name": BOT_USER_NAME,
                                    "user_id": BOT_USER_ID, "deleted": False}}

    def _post_message(self, params: dict) -> dict:
        if not params.get("channel"):
            return _api_error("channel_not_found")
        if not any(params.get(key) for key in ("text", "blocks", "attachments")):
            return _api_error("no_text")
        ts = self._next_ts()
        message = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "team": TEAM_ID,
            "text": params.get("text", ""),
            "ts": ts,
        }
        for key in ("blocks", "attachments"):
            if params.get(key):
                message[key] = _maybe_json(params[key])
        if params.get("thread_ts"):
            message["thread_ts"] = params["thread_ts"]
        if params.get("metadata"):
            message["metadata"] = _maybe_json(params["metadata"])
        with self._lock:
            self._messages.setdefault(params["channel"], []).append(message)
        return {"ok": True, "channel": params["channel"], "ts": ts, "message": message}

    def _update_message(self, params: dict) -> dict:
        if not params.get("channel"):
            return _api_error("channel_not_found")
        if not params.get("ts"):
            return _api_error("message_not_found")
        text = params.get("text", "")
        message = {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "text": text}
        if params.get("blocks"):
            message["blocks"] = _maybe_json(params["blocks"])
        with self._lock:
            for stored in self._messages.get(params["channel"], []):
                if stored["ts"] == params["ts"]:
                    stored.update(message)
        return {"ok": True, "channel": params["channel"], "ts": params["ts"], "text": text,
                "message": message}

    def _post_ephemeral(self, params: dict) -> dict:
        if not params.get("channel"):
            return _api_error("channel_not_found")
        if not params.get("user"):
            return _api_error("user_not_in_channel")
        return {"ok": True, "message_ts": self._next_ts()}

    def _delete_message(self, params: dict) -> dict:
        with self._lock:
            kept = [m for m in self._messages.get(params.get("channel", ""), [])
                    if m["ts"] != params.get("ts")]
            if params.get("channel") in self._messages:
                self._messages[params["channel"]] = kept
        return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}

    def _conversations_history(self, params: dict) -> dict:
        """Top-level and threaded messages alike (simpler than Slack, which lists replies
        only with conversations.replies), newest first, `limit` a page, cursor an offset."""
        channel = params.get("channel", "")
        oldest, latest = float(params.get("oldest") or 0), float(params.get("latest") or 9e12)
        with_metadata = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        with self._lock:
            found = [dict(m) for m in reversed(self._messages.get(channel, []))
                     if oldest < float(m["ts"]) < latest]
        return _page(found, params, with_metadata)

    def _conversations_replies(self, params: dict) -> dict:
        """The thread of the message `ts`: that message first, then its replies oldest first,
        with the fields Slack adds (``reply_count``, ``parent_user_id``, ...); `limit` a page,
        cursor an offset, as in conversations.history (``oldest``/``latest`` are not applied).
        Without a kept parent, the kept replies of a thread known otherwise (see the module
        docstring)."""
        channel, ts = params.get("channel", ""), params.get("ts", "")
        if not channel:
            return _api_error("channel_not_found")
        with_metadata = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        with self._lock:
            parent = self._find_message(channel, ts) if ts else None
            replies = [dict(m) for m in self._messages.get(channel, [])
                       if ts and m.get("thread_ts") == ts and m["ts"] != ts]
            known = parent is not None or replies or (channel, ts) in self._assistant_threads
            parent = dict(parent) if parent is not None else None
        if not known:
            return _api_error("thread_not_found")
        replies.sort(key=lambda m: float(m["ts"]))
        if parent is None:
            return _page(replies, params, with_metadata)
        if replies:
            users = list(dict.fromkeys(m["user"] for m in replies if m.get("user")))
            parent.update({"thread_ts": ts, "reply_count": len(replies), "reply_users": users,
                           "reply_users_count": len(users), "latest_reply": replies[-1]["ts"]})
        for reply in replies:
            if parent.get("user"):
                reply["parent_user_id"] = parent["user"]
        return _page([parent, *replies], params, with_metadata)

    def _assistant_thread(self, params: dict) -> dict:
        """``assistant.threads.*``: answered ok; the thread they name becomes known."""
        channel, thread_ts = params.get("channel_id"), params.get("thread_ts")
        if channel and thread_ts:
            with self._lock:
                self._assistant_threads.add((channel, thread_ts))
        return {"ok": True}

    def _permalink(self, params: dict) -> dict:
        channel, ts = params.get("channel", ""), params.get("message_ts", "")
        if not channel:
            return _api_error("channel_not_found")
        with self._lock:
            found = self._find_message(channel, ts) if ts else None
        if found is None:
            return _api_error("message_not_found")
        return {"ok": True, "channel": channel,
                "permalink": f"{TEAM_URL}archives/{channel}/p{ts.replace('.', '')}"}

    def _add_reaction(self, params: dict) -> dict:
        """Recorded and answered, no state kept (so never ``already_reacted``)."""
        if not params.get("name"):
            return _api_error("invalid_name")
        if not (params.get("channel") and params.get("timestamp")):
            return _api_error("no_item_specified")
        return {"ok": True}

    def _open_view(self, params: dict) -> dict:
        view = _maybe_json(params.get("view") or {})
        return {"ok": True, "view": {"id": params.get("view_id") or "V0002",
                                     **(view if isinstance(view, dict) else {})}}

    def _users_info(self, params: dict) -> dict:
        with self._lock:
            user = self._users.get(params.get("user", ""))
        return {"ok": True, "user": user} if user else _api_error("user_not_found")

    def _user_by_email(self, params: dict) -> dict:
        email = params.get("email")
        with self._lock:
            user = next((u for u in self._users.values()
                         if email and u["profile"].get("email") == email), None)
        return {"ok": True, "user": user} if user else _api_error("users_not_found")

    def _usergroup_members(self, params: dict) -> dict:
        with self._lock:
            users = self._usergroups.get(params.get("usergroup", ""))
        return {"ok": True, "users": list(users)} if users is not None else _api_error(
            "no_such_subteam"
        )

    def _conversations_info(self, params: dict) -> dict:
        with self._lock:
            channel = self._channels.get(params.get("channel", ""))
        return {"ok": True, "channel": channel} if channel else _api_error("channel_not_found")

    def _publish_view(self, params: dict) -> dict:
        view = _maybe_json(params.get("view") or {})
        return {"ok": True, "view": {"id": "V0001", **(view if isinstance(view, dict) else {})}}

    def _upload_url(self, params: dict) -> dict:
        filename, length = params.get("filename"), params.get("length")
        if not filename or length in (None, ""):
            return _api_error("invalid_arguments")
        with self._lock:
            file_id = f"F{next(self._file_counter):04d}"
            self._upload_slots[file_id] = (filename, int(length))
        return {"ok": True, "upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}

    def _receive_upload(self, file_id: str, content: bytes) -> _Answer:
        with self._lock:
            slot = self._upload_slots.get(file_id)
            if slot is not None:
                filename, length = slot
                self._uploads[file_id] = Upload(file_id, filename, length, content)
        if slot is None:
            return _Answer.text(f"unknown upload {file_id}", status=404, error="not_found")
        return _Answer.text(f"OK - {len(content)}")

    def _complete_upload(self, params: dict) -> dict:
        files = _maybe_json(params.get("files") or "[]")
        if not isinstance(files, list) or not files:
            return _api_error("invalid_arguments")
        answered = []
        with self._lock:
            if any(f.get("id") not in self._uploads for f in files):
                return _api_error("file_not_found")
            for f in files:
                upload = replace(
                    self._uploads[f["id"]],
                    title=f.get("title") or self._uploads[f["id"]].filename,
                    channel_id=params.get("channel_id") or params.get("channels"),
                    thread_ts=params.get("thread_ts"),
                    initial_comment=params.get("initial_comment"),
                    completed=True,
                )
                self._uploads[upload.file_id] = upload
                answered.append({"id": upload.file_id, "title": upload.title,
                                 "name": upload.filename, "size": len(upload.content)})
        return {"ok": True, "files": answered}


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


def _page(found: list[dict], params: dict, with_metadata: bool) -> dict:
    """One page of `found` (copies, changed in place): `limit` messages from the offset in
    `cursor`, without their ``metadata`` unless `with_metadata`."""
    start = int(params.get("cursor") or 0)
    limit = int(params.get("limit") or HISTORY_PAGE)
    page = found[start:start + limit]
    if not with_metadata:
        for message in page:
            message.pop("metadata", None)
    more = start + limit < len(found)
    return {"ok": True, "messages": page, "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""}}


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


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


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
