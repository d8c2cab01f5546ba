"""slack/manifest.json, so that creating the app is one paste: the agent messaging experience
(`features.agent_view` — not the legacy `assistant_view`, which new apps can no longer use and
Bolt does not need), within Slack's limits (a 300-character description, four prompts), and
every event and scope the listeners rely on."""

from __future__ import annotations

import json
from pathlib import Path

MANIFEST = json.loads((Path(__file__).resolve().parents[2] / "slack" / "manifest.json")
                      .read_text(encoding="utf-8"))


def test_the_app_declares_the_agent_view_within_slacks_limits():
    features = MANIFEST["features"]
    assert "assistant_view" not in features
    agent = features["agent_view"]
    assert 0 < len(agent["agent_description"]) <= 300
    assert 0 < len(agent["suggested_prompts"]) <= 4
    assert all(set(prompt) == {"title", "message"} for prompt in agent["suggested_prompts"])
    assert features["app_home"]["messages_tab_enabled"] is True  # the agent view's DM
    assert features["app_home"]["messages_tab_read_only_enabled"] is False


def test_the_events_and_scopes_the_listeners_need():
    events = set(MANIFEST["settings"]["event_subscriptions"]["bot_events"])
    # the Messages tab opened (agent view) and the Home tab; DMs; mentions; support channels
    assert {"app_home_opened", "message.im", "app_mention", "message.channels",
            "message.groups", "reaction_added", "reaction_removed"} <= events
    assert not {"assistant_thread_started", "assistant_thread_context_changed"} & events
    scopes = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    # setSuggestedPrompts and setTitle need assistant:write; setStatus takes chat:write
    assert {"assistant:write", "chat:write", "im:history", "commands"} <= scopes
    assert MANIFEST["settings"]["interactivity"]["is_enabled"] is True  # feedback buttons
