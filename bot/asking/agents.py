"""Who is an agent in support channels (KPIBOT_AGENTS: Slack user ids and user group ids), and
what people are called — their Slack real name, the agent name a ticket carries and questions
are asked by ("CSAT for Asha"). Slack's answers are cached for a few minutes, so a busy support
channel costs a handful of calls, not one per message.
"""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.asking.access import CACHE_SECONDS, TimedCache
from bot.settings import BotSettings


class AgentDirectory:
    def __init__(self, settings: BotSettings, *, cache_seconds: float = CACHE_SECONDS) -> None:
        ids = settings.agent_ids
        self.users = frozenset(i for i in ids if not i.startswith("S"))
        self.groups = frozenset(i for i in ids if i.startswith("S"))
        self._members = TimedCache(cache_seconds)
        self._names = TimedCache(cache_seconds)

    def is_agent(self, client: WebClient, user_id: str) -> bool:
        if user_id in self.users:
            return True
        return any(user_id in self._group(client, group) for group in self.groups)

    def name_of(self, client: WebClient, user_id: str) -> str:
        """A person's real name as Slack has it (their id when Slack cannot say)."""
        def load() -> str:
            try:
                user = client.users_info(user=user_id)["user"]
            except SlackApiError:
                return user_id
            profile = user.get("profile") or {}
            return user.get("real_name") or profile.get("real_name") or user.get("name") \
                or user_id

        return self._names.get(user_id, load)

    def _group(self, client: WebClient, group_id: str) -> frozenset[str]:
        def load() -> frozenset[str]:
            try:
                return frozenset(client.usergroups_users_list(usergroup=group_id)["users"])
            except SlackApiError:
                return frozenset()  # a misconfigured group makes no one an agent

        return self._members.get(group_id, load)
