"""The bot token scopes kpibot needs, each with the reason — the list the manifests in slack/
declare (a test keeps them equal), that `kpibot doctor` checks the granted scopes against, and
that docs/deploy.md explains. A scope added here is added to every manifest, and a workspace
that installed the app before must reinstall it to grant the new one.
"""

from __future__ import annotations

BOT_SCOPES: dict[str, str] = {
    "app_mentions:read": "hear @kpibot mentions in channels (the `app_mention` event)",
    "assistant:write": "the agent view: suggested prompts in its Messages tab and thread titles",
    "channels:history": "read the threads of public support channels, and find a digest a "
                        "stopped process already posted",
    "channels:read": "look up public channels: that kpibot is in a digest's channel",
    "chat:write": "post answers, digests, alerts and surveys, and update the survey messages",
    "chat:write.public": "post a digest in a public channel kpibot was not invited to",
    "commands": "the /kpi slash command",
    "files:write": "upload charts and the CSV of a table too long for a message",
    "groups:history": "read the threads of private support channels kpibot was invited to",
    "groups:read": "look up private channels kpibot was invited to",
    "im:history": "read direct messages to kpibot (its Messages tab)",
    "mpim:history": "read group direct messages kpibot is in",
    "reactions:read": "see the reactions that resolve and escalate a support conversation",
    "usergroups:read": "read the members of the user groups in KPIBOT_AGENTS and the allow-lists",
    "users:read": "tell members from guests, people of another organisation and bots",
    "users:read.email": "find the Slack user of a helpdesk customer by email, to survey them",
}

# The app-level token of Socket Mode needs this one (it is granted on the token itself).
APP_TOKEN_SCOPE = "connections:write"
