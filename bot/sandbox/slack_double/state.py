"""What the Slack double keeps: the directory (users, user groups, channels) that
`users.info`, `usergroups.users.list` and `conversations.info` answer from, the messages posted
(with their metadata, changed by `chat.update`), the assistant threads named by
`assistant.threads.*` with the status, title and suggested prompts set on them (prompts set
without a thread are the DM's: the agent view's Messages tab), and the files uploaded.
`SlackState` is the bottom of the double: the Web API methods (methods.py) answer from and
into it, the HTTP server (server.py) on top.
The identity of the workspace the double plays is here too (its team, bot and app ids).
"""

from __future__ import annotations

import copy
import itertools
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass

BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
TEAM_ID = "T1"
TEAM_NAME = "KPI Test Team"
TEAM_URL = "https://kpi-test.slack.com/"
BOT_USER_NAME = "kpibot"
APP_ID = "A1"

_TS_STEP_MICROS = 100


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


class SlackState:
    """The double's directory, messages, assistant threads and uploads, behind one lock."""

    def __init__(self) -> None:
        self._lock = threading.RLock()  # re-entrant: predicates of wait_for may call calls()
        self._uploads: dict[str, Upload] = {}
        self._upload_slots: dict[str, tuple[str, int]] = {}
        self._users: dict[str, dict] = {}
        self._usergroups: dict[str, list[str]] = {}
        self._channels: dict[str, dict] = {}
        self._last_ts_micros = 0
        self._messages: dict[str, list[dict]] = {}
        self._assistant_threads: set[tuple[str, str]] = set()  # (channel, thread_ts)
        # By (channel, thread_ts); thread_ts None: prompts of the DM itself (agent view).
        self._assistant_statuses: dict[tuple[str, str], dict] = {}
        self._assistant_titles: dict[tuple[str, str], str] = {}
        self._suggested_prompts: dict[tuple[str, str | None], dict] = {}
        self._file_counter = itertools.count(1)

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
        is_private: bool = False,
    ) -> dict:
        """Register a conversation for ``conversations.info``; returns Slack's channel object
        (``is_private``: a private channel, which kpibot sees only once invited)."""
        channel = {
            "id": channel_id,
            "name": name,
            "is_channel": not is_im,
            "is_group": is_private,
            "is_im": is_im,
            "is_mpim": False,
            "is_private": is_im or is_private,
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

    def assistant_status(self, channel: str, thread_ts: str) -> dict | None:
        """The status shown in a thread (``{"status", "loading_messages"}``) — until a message
        is posted in the thread or an empty status clears it — or None."""
        with self._lock:
            found = self._assistant_statuses.get((channel, thread_ts))
            return copy.deepcopy(found) if found is not None else None

    def assistant_title(self, channel: str, thread_ts: str) -> str | None:
        """The title last set on a thread, or None."""
        with self._lock:
            return self._assistant_titles.get((channel, thread_ts))

    def suggested_prompts(self, channel: str, thread_ts: str | None = None) -> dict | None:
        """The prompts last set on a thread (``thread_ts`` None: on the DM itself, as an agent
        app sets them) as ``{"title", "prompts"}``, or None."""
        with self._lock:
            found = self._suggested_prompts.get((channel, thread_ts))
            return copy.deepcopy(found) if found is not None else None

    @property
    def uploads(self) -> dict[str, Upload]:
        """Files uploaded so far, by file id (a snapshot)."""
        with self._lock:
            return dict(self._uploads)

    def _find_message(self, channel: str, ts: str) -> dict | None:
        """The kept message itself (not a copy); call with the lock held."""
        return next((m for m in self._messages.get(channel, []) if m["ts"] == ts), None)

    def _forget_kept(self) -> None:
        """Forget uploads, messages, assistant threads and what was set on them (the
        directory stays)."""
        with self._lock:
            self._uploads.clear()
            self._upload_slots.clear()
            self._messages.clear()
            self._assistant_threads.clear()
            self._assistant_statuses.clear()
            self._assistant_titles.clear()
            self._suggested_prompts.clear()

    def _next_ts(self) -> str:
        """A message timestamp from the clock, later than every one given before."""
        with self._lock:
            micros = max(int(time.time() * 1_000_000), self._last_ts_micros + _TS_STEP_MICROS)
            self._last_ts_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"
