"""The bot token scopes kpibot needs, each with the reason — the list the manifests in slack/
declare (a test keeps them equal), that `kpibot doctor` checks the granted scopes against, and
that docs/deploy.md explains. A scope added here is added to every manifest, and a workspace
that installed the app before must reinstall it to grant the new one. A token that lacks one
is said in one sentence (`lacking_sentence`) — by `kpibot doctor`, as `kpibot serve` starts, and
when Slack refuses a call with `missing_scope` (`refusal_sentence`).
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


def granted_scopes(headers) -> set[str] | None:
    """The scopes Slack says a token has, from the `x-oauth-scopes` header of an answer to it
    (None when there is no such header: not Slack, or a proxy that drops it)."""
    lowered = {key.lower(): value for key, value in (headers or {}).items()}
    granted = lowered.get("x-oauth-scopes")
    if granted is None:
        return None
    if isinstance(granted, list):
        granted = ",".join(granted)
    return {scope.strip() for scope in granted.split(",") if scope.strip()}


def missing_scopes(granted: set[str]) -> list[str]:
    """The scopes the manifest asks for that `granted` lacks, in order."""
    return sorted(set(BOT_SCOPES) - granted)


def lacking_sentence(missing: list[str]) -> str:
    """One sentence for a log: which scopes the bot token lacks, what each is for, what to do."""
    reasons = "; ".join(f"{scope}: {BOT_SCOPES.get(scope, 'asked for by Slack')}"
                        for scope in missing)
    return (f"the bot token lacks {', '.join(missing)} ({reasons}) — what needs "
            f"{'it' if len(missing) == 1 else 'them'} fails until the scope is added to the app "
            "(OAuth & Permissions → Scopes) and the app reinstalled to the workspace; "
            "`kpibot doctor` checks every scope")


def refusal_sentence(response) -> str:
    """What a Web API refusal means, from its answer: for `missing_scope` (with the scope Slack
    says was `needed`), which scope and what to do; otherwise Slack's error code."""
    code = response.get("error") or "refused"
    if code != "missing_scope":
        return str(code)
    needed = [scope.strip() for scope in str(response.get("needed") or "").split(",")
              if scope.strip()]
    if not needed:
        return ("missing_scope: the bot token lacks a scope this needs — compare the app's "
                "scopes with the manifest's (`kpibot doctor`) and reinstall the app")
    return f"missing_scope: {lacking_sentence(needed)}"
