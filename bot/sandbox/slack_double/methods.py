"""The Web API methods' answers: `WebApiMethods` answers each method the double knows the way
Slack does — from and into what the double keeps (state.py) — and `{"ok": true}` for any
other. The HTTP server (server.py) checks the token, applies planned failures and records the
call before and after asking here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from bot.doctor.scopes import BOT_SCOPES
from bot.sandbox.slack_double.state import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    BOT_USER_NAME,
    TEAM_ID,
    TEAM_NAME,
    TEAM_URL,
    SlackState,
    Upload,
)

HISTORY_PAGE = 100
MAX_LOADING = 10  # assistant.threads.setStatus: loading_messages
MAX_PROMPTS = 4  # assistant.threads.setSuggestedPrompts: prompts


def _api_error(error: str) -> dict:
    return {"ok": False, "error": error}


class WebApiMethods(SlackState):
    """The answers of the Web API methods the double knows, on top of what it keeps."""

    base_url: str  # where upload URLs point: the server's address (server.py)

    def __init__(self) -> None:
        super().__init__()
        # Socket Mode: the app-level token, the app's id, and the WebSocket side
        # (bot/sandbox/socket_mode_double.py) that `apps.connections.open` points to.
        self.app_token, self.app_id, self.socket_mode = "xapp-test", APP_ID, None
        # The scopes the bot token was granted: every answer to it says them in its
        # `x-oauth-scopes` header, as Slack's do (`kpibot doctor` reads auth.test's).
        self.scopes: list[str] = list(BOT_SCOPES)
        # Methods not listed answer {"ok": true} (reactions.remove, ...).
        self._methods: dict[str, Callable[[dict], dict]] = {
            "auth.test": self._auth_test,
            "apps.connections.open": self._connections_open,
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
            "assistant.threads.setStatus": self._set_status,
            "assistant.threads.setSuggestedPrompts": self._set_suggested_prompts,
            "assistant.threads.setTitle": self._set_title,
            "views.open": self._open_view,
            "views.update": self._open_view,
            "views.push": self._open_view,
            "views.publish": self._publish_view,
            "files.getUploadURLExternal": self._upload_url,
            "files.completeUploadExternal": self._complete_upload,
        }

    def _token_refusal(self, method: str, bearer: str, token: str | None) -> str | None:
        """Slack's error for a token this method does not take, or None: the app-level token
        only for `apps.connections.open` (in the Authorization header), the bot's elsewhere."""
        if method == "apps.connections.open":
            token = bearer
            if token == self.app_token:
                return None
        elif token == self.token:  # the bot token, checked by the server (server.py)
            return None
        known = (self.token, self.app_token)
        return "not_allowed_token_type" if token in known else "invalid_auth"

    def _connections_open(self, params: dict) -> dict:
        if self.socket_mode is None:  # a test that forgot to start a SocketModeDouble
            return _api_error("double_has_no_socket_mode")
        return {"ok": True, "url": self.socket_mode.new_url()}

    def _method_answer(self, method: str, params: dict) -> dict:
        """What Slack would answer `method` called with `params` (the token already checked)."""
        answer_method = self._methods.get(method)
        return answer_method(params) if answer_method is not None else {"ok": True}

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
            # The app's reply ends the status it showed in the thread.
            self._assistant_statuses.pop((params["channel"], params.get("thread_ts")), None)
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

    def _assistant_thread(self, params: dict, *, thread_required: bool = True) -> dict | None:
        """The checks every ``assistant.threads.*`` method shares: a channel and (unless
        optional) a thread; the thread they name becomes known. An error answer, or None."""
        channel, thread_ts = params.get("channel_id"), params.get("thread_ts")
        if not channel:
            return _api_error("channel_not_found")
        if thread_required and not thread_ts:
            return _api_error("invalid_thread_ts")
        if thread_ts:
            with self._lock:
                self._assistant_threads.add((channel, thread_ts))
        return None

    def _set_status(self, params: dict) -> dict:
        """``assistant.threads.setStatus``: ``status`` is required (empty clears it) and at
        most 10 ``loading_messages`` rotate under it; posting in the thread clears it."""
        refused = self._assistant_thread(params)
        if refused is not None:
            return refused
        status = params.get("status")
        loading = _maybe_json(params.get("loading_messages") or [])
        if status is None or not isinstance(loading, list) or len(loading) > MAX_LOADING \
                or not all(isinstance(text, str) and text for text in loading):
            return _api_error("invalid_arguments")
        key = (params["channel_id"], params["thread_ts"])
        with self._lock:
            if status:
                self._assistant_statuses[key] = {"status": status, "loading_messages": loading}
            else:
                self._assistant_statuses.pop(key, None)
        return {"ok": True}

    def _set_title(self, params: dict) -> dict:
        """``assistant.threads.setTitle``: a non-empty ``title`` on the thread."""
        refused = self._assistant_thread(params)
        if refused is not None:
            return refused
        if not params.get("title"):
            return _api_error("invalid_arguments")
        with self._lock:
            self._assistant_titles[(params["channel_id"], params["thread_ts"])] = params["title"]
        return {"ok": True}

    def _set_suggested_prompts(self, params: dict) -> dict:
        """``assistant.threads.setSuggestedPrompts``: one to four prompts, each a ``title``
        and a ``message``, and an optional list ``title``; ``thread_ts`` is optional — an
        agent app leaves it out and the prompts sit at the top of the DM."""
        refused = self._assistant_thread(params, thread_required=False)
        if refused is not None:
            return refused
        prompts = _maybe_json(params.get("prompts") or [])
        if not isinstance(prompts, list) or not 0 < len(prompts) <= MAX_PROMPTS or not all(
                isinstance(prompt, dict) and prompt.get("title") and prompt.get("message")
                for prompt in prompts):
            return _api_error("invalid_arguments")
        with self._lock:
            self._suggested_prompts[(params["channel_id"], params.get("thread_ts") or None)] = {
                "title": params.get("title"), "prompts": prompts}
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
        """A private channel the bot is not in is not found, as Slack has it."""
        with self._lock:
            channel = self._channels.get(params.get("channel", ""))
        if channel and channel["is_group"] and not channel["is_member"]:
            channel = None
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

    def _receive_upload(self, file_id: str, content: bytes) -> bool:
        """Keep the bytes posted to an upload URL; False for an upload URL never handed out."""
        with self._lock:
            slot = self._upload_slots.get(file_id)
            if slot is not None:
                filename, length = slot
                self._uploads[file_id] = Upload(file_id, filename, length, content)
        return slot is not None

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


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
