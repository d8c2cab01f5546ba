"""The Slack app's settings: `BotSettings` is the engine's `Settings` plus what only the Slack
face uses — the tokens and the Web API's address, where `kpibot serve` listens and how many
serving processes, threads and answering processes it runs, who may ask and who is an agent,
the reactions that resolve and escalate, where a low CSAT is told, digest charts and whether
`serve` runs the scheduler. Read from the same environment variables and `.env` file as the
engine's; a `BotSettings` goes wherever a `Settings` is taken. `check_slack_settings` says
clearly what is missing before anything talks to Slack.
"""

from __future__ import annotations

import os

from pydantic import AliasChoices, Field

from kpi_engine.errors import UserError
from kpi_engine.settings import Settings

MAX_DEFAULT_SERVE = 4


def _env(name: str) -> AliasChoices:
    return AliasChoices(name, name.lower())


class BotSettings(Settings):
    """The engine's settings and the Slack app's. Construct with keyword overrides for flags."""

    slack_bot_token: str | None = Field(None, validation_alias=_env("SLACK_BOT_TOKEN"))
    slack_signing_secret: str | None = Field(None, validation_alias=_env("SLACK_SIGNING_SECRET"))
    slack_app_token: str | None = Field(None, validation_alias=_env("SLACK_APP_TOKEN"))
    slack_api_url: str = Field("https://slack.com/api/", validation_alias=_env("SLACK_API_URL"))
    agents: str = Field("", validation_alias=_env("KPIBOT_AGENTS"))
    allowed_channels: str = Field("", validation_alias=_env("KPIBOT_ALLOWED_CHANNELS"))
    allowed_usergroups: str = Field("", validation_alias=_env("KPIBOT_ALLOWED_USERGROUPS"))
    leads_usergroup: str | None = Field(None, validation_alias=_env("KPIBOT_LEADS_USERGROUP"))
    host: str = Field("0.0.0.0", validation_alias=_env("KPIBOT_HOST"))
    port: int = Field(3000, gt=0, lt=65536, validation_alias=_env("KPIBOT_PORT"))
    answer_processes: int = Field(2, ge=0, le=32, validation_alias=_env("KPIBOT_ANSWER_PROCESSES"))
    # Serving processes of `kpibot serve` over HTTP (gunicorn workers): one per core, at most 4.
    serve_processes: int = Field(default_factory=lambda: default_serve_processes(), ge=1, le=32,
                                 validation_alias=_env("KPIBOT_SERVE_PROCESSES"))
    slack_workers: int = Field(8, gt=0, le=64, validation_alias=_env("KPIBOT_SLACK_WORKERS"))
    # Whether digests get a PNG trend chart, whether `serve` runs the scheduler.
    digest_charts: bool = Field(True, validation_alias=_env("KPIBOT_DIGEST_CHARTS"))
    run_scheduler: bool = Field(True, validation_alias=_env("KPIBOT_SCHEDULER"))
    # Support conversations in Slack: the reactions an agent resolves and escalates with.
    resolve_reaction: str = Field("white_check_mark",
                                  validation_alias=_env("KPIBOT_RESOLVE_REACTION"))
    escalate_reaction: str = Field("arrow_double_up",
                                   validation_alias=_env("KPIBOT_ESCALATE_REACTION"))
    # Where a CSAT of 1 or 2 is told.
    survey_followup_channel: str | None = Field(
        None, validation_alias=_env("KPIBOT_SURVEY_FOLLOWUP_CHANNEL"))

    @property
    def allowed_channel_ids(self) -> frozenset[str]:
        """Channels where the bot answers; empty = every channel it is in."""
        return _id_set(self.allowed_channels)

    @property
    def agent_ids(self) -> frozenset[str]:
        """Who counts as an agent in support channels: user ids and user group ids (S…)."""
        return _id_set(self.agents)

    @property
    def allowed_usergroup_ids(self) -> frozenset[str]:
        """User groups whose members may ask; empty = every member of the workspace."""
        return _id_set(self.allowed_usergroups)

    @property
    def resolve_reactions(self) -> frozenset[str]:
        """The reaction names (without colons) that resolve a support conversation."""
        return _reaction_set(self.resolve_reaction)

    @property
    def escalate_reactions(self) -> frozenset[str]:
        """The reaction names (without colons) that escalate a support conversation."""
        return _reaction_set(self.escalate_reaction)


def default_serve_processes() -> int:
    """One serving process per CPU core this process may use, at most MAX_DEFAULT_SERVE."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, MAX_DEFAULT_SERVE))


def check_slack_settings(settings: BotSettings, *, signing_secret: bool = True) -> None:
    """A clear message for a missing token or secret (the secret only where requests come
    in), before anything talks to Slack."""
    if not settings.slack_bot_token:
        raise UserError("SLACK_BOT_TOKEN is not set", [
            "copy the Bot User OAuth Token (xoxb-…) from your app's OAuth & Permissions page "
            "into .env or the environment"])
    if signing_secret and not settings.slack_app_token and not settings.slack_signing_secret:
        raise UserError("SLACK_SIGNING_SECRET is not set", [
            "copy the Signing Secret from your app's Basic Information page, or set "
            "SLACK_APP_TOKEN (xapp-…) to use Socket Mode"])


def _id_set(text: str) -> frozenset[str]:
    return frozenset(part.strip() for part in text.split(",") if part.strip())


def _reaction_set(text: str) -> frozenset[str]:
    return frozenset(name.strip().strip(":") for name in text.split(",") if name.strip())
