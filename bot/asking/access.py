"""Who may ask: members of the workspace only, optionally only in some channels or user groups,
and per-agent figures optionally only for a user group of leads.

Guests (single- and multi-channel), external people from Slack Connect channels, deactivated
accounts and bots are refused politely, with no number. Slack's answers about a person are
cached for a few minutes so that a conversation costs one `users.info` call, not one per question.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.settings import BotSettings
from kpi_engine.query import KpiQuery
from kpi_engine.vocabulary import Dimension

CACHE_SECONDS = 300.0


class AccessRefusal(Enum):
    """Why someone gets no number."""

    GUEST = "guest"
    EXTERNAL = "external"
    BOT = "bot"
    CHANNEL_NOT_ALLOWED = "channel_not_allowed"
    NOT_IN_ALLOWED_GROUP = "not_in_allowed_group"
    AGENT_DETAIL_LEADS_ONLY = "agent_detail_leads_only"


@dataclass(frozen=True, kw_only=True)
class Asker:
    """Who asked, where, as the request told it."""

    user_id: str
    workspace_id: str | None  # the workspace the app is installed in
    user_team_id: str | None = None  # the person's own team, when the payload names it
    channel_id: str
    direct: bool = False  # a DM or the assistant panel
    is_bot: bool = False  # the payload came from a bot


class TimedCache:
    """A small thread-safe cache whose entries expire after `seconds`."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self._entries: dict[str, tuple[float, object]] = {}
        self._lock = threading.Lock()

    def get(self, key: str, load: Callable[[], object]) -> object:
        now = self.clock()
        with self._lock:
            entry = self._entries.get(key)
        if entry is not None and entry[0] > now:
            return entry[1]
        value = load()
        with self._lock:
            self._entries[key] = (now + self.seconds, value)
        return value


class AccessPolicy:
    """Decides whether an asker gets an answer; asks Slack about people when it must."""

    def __init__(self, settings: BotSettings, *, cache_seconds: float = CACHE_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.allowed_channels = settings.allowed_channel_ids
        self.allowed_groups = settings.allowed_usergroup_ids
        self.leads_group = settings.leads_usergroup
        self._users = TimedCache(cache_seconds, clock)
        self._groups = TimedCache(cache_seconds, clock)

    def refusal_for(self, client: WebClient, asker: Asker) -> AccessRefusal | None:
        """None when `asker` may ask here; otherwise why not."""
        if asker.is_bot:
            return AccessRefusal.BOT
        if _is_external_team(asker.user_team_id, asker.workspace_id):
            return AccessRefusal.EXTERNAL
        user = self._user(client, asker.user_id)
        if user is None:
            return AccessRefusal.EXTERNAL  # Slack does not know them as one of ours
        if user.get("is_bot") or user.get("is_app_user") or user.get("deleted"):
            return AccessRefusal.BOT
        if _is_external_team(user.get("team_id"), asker.workspace_id):
            return AccessRefusal.EXTERNAL
        if user.get("is_restricted") or user.get("is_ultra_restricted"):
            return AccessRefusal.GUEST
        if (self.allowed_channels and not asker.direct
                and asker.channel_id not in self.allowed_channels):
            return AccessRefusal.CHANNEL_NOT_ALLOWED
        if self.allowed_groups and not any(
            asker.user_id in self._members(client, group) for group in self.allowed_groups
        ):
            return AccessRefusal.NOT_IN_ALLOWED_GROUP
        return None

    def refusal_for_query(self, client: WebClient, asker: Asker,
                          query: KpiQuery) -> AccessRefusal | None:
        """Per-agent figures only for the leads' group, when one is configured."""
        if self.leads_group is None or not shows_agents(query):
            return None
        if asker.user_id in self._members(client, self.leads_group):
            return None
        return AccessRefusal.AGENT_DETAIL_LEADS_ONLY

    def sees_agents(self, client: WebClient, asker: Asker) -> bool:
        """Whether `asker` may see per-agent figures (a why splits by agent unless not)."""
        return self.leads_group is None or asker.user_id in self._members(client,
                                                                          self.leads_group)

    def _user(self, client: WebClient, user_id: str) -> dict | None:
        def load() -> dict | None:
            try:
                return client.users_info(user=user_id)["user"]
            except SlackApiError as error:
                if error.response.get("error") in ("user_not_found", "user_not_visible"):
                    return None
                raise

        return self._users.get(user_id, load)

    def _members(self, client: WebClient, group_id: str) -> frozenset[str]:
        def load() -> frozenset[str]:
            try:
                return frozenset(client.usergroups_users_list(usergroup=group_id)["users"])
            except SlackApiError as error:
                if error.response.get("error") in ("no_such_subteam", "subteam_not_found"):
                    return frozenset()  # a misconfigured group admits no one
                raise

        return self._groups.get(group_id, load)


def shows_agents(query: KpiQuery) -> bool:
    """Whether the answer names individual agents: a breakdown by agent or an agent filter."""
    return Dimension.AGENT in query.group_by or any(
        f.dimension is Dimension.AGENT for f in query.filters
    )


def _is_external_team(team_id: str | None, workspace_id: str | None) -> bool:
    return bool(team_id and workspace_id and team_id != workspace_id)
