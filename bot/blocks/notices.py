"""The messages that are not answers: an apology with an error id, a polite refusal of access,
the help card and the "computing…" placeholder. None of them carries a number."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.asking.access import AccessRefusal
from bot.blocks import ids
from bot.blocks.kit import bullets, context, escape, header, section
from bot.blocks.message import SlackMessage
from kpi_engine.metrics import METRICS
from kpi_engine.question.draft import EXAMPLE_QUESTIONS

HOW_TO_ASK = (
    "Mention me in a channel, send me a direct message, type `/kpi` and your question, or open "
    "me in the assistant panel. I answer in the thread; a follow-up there (“and tier 2?”, "
    "“what about last month?”) changes the previous question."
)
WORKING_TEXT = "Computing…"


def access_refusal_text(reason: AccessRefusal) -> str:
    """One or two polite sentences, without a number."""
    match reason:
        case AccessRefusal.GUEST:
            return ("Sorry, I share support figures with members of this workspace only, not "
                    "with guests. A teammate on the support team can help.")
        case AccessRefusal.EXTERNAL:
            return ("Sorry, I don't share support figures with people outside the organisation, "
                    "shared channels included.")
        case AccessRefusal.BOT:
            return "I only answer people, not other bots or apps."
        case AccessRefusal.CHANNEL_NOT_ALLOWED:
            return ("I'm not enabled in this channel. Ask me in a direct message, or ask an admin "
                    "to allow this channel.")
        case AccessRefusal.NOT_IN_ALLOWED_GROUP:
            return ("Sorry, support figures are open to the support team's groups, and you're "
                    "not in one of them yet. An admin can add you.")
        case AccessRefusal.AGENT_DETAIL_LEADS_ONLY:
            return ("Figures for individual agents are for support leads only. Ask the same "
                    "question by team, or for the whole desk.")


def access_refusal(reason: AccessRefusal) -> SlackMessage:
    """The refusal of access for `reason`, as a message."""
    text = access_refusal_text(reason)
    return SlackMessage(text=text, blocks=(section(text, ids.ACCESS_REFUSAL),))


def not_an_agent(text: str) -> SlackMessage:
    """The refusal of a support action (resolve, escalate) to someone who is not an agent."""
    return SlackMessage(text=text, blocks=(section(text, ids.ACCESS_REFUSAL),))


def refused_home_view(message: SlackMessage) -> dict[str, Any]:
    """The App Home tab of someone refused: the refusal, nothing of the workspace's figures or
    digests."""
    return {"type": "home", "blocks": [header("kpibot — support KPIs in Slack"),
                                       *message.blocks]}


def refused_modal_view(message: SlackMessage) -> dict[str, Any]:
    """What a submitted modal turns into for someone refused (nothing was saved)."""
    return {"type": "modal", "title": {"type": "plain_text", "text": "kpibot"},
            "close": {"type": "plain_text", "text": "Close"},
            "blocks": [*message.blocks, context("Nothing was saved.")]}


def apology_message(incident_id: str) -> SlackMessage:
    """The answer to an internal error: an apology and the id the log has it under."""
    text = (f"Sorry — something went wrong on my side (error id `{escape(incident_id)}`). "
            "The team can find it in the log.")
    return SlackMessage(text=text, blocks=(section(text, ids.APOLOGY),))


def working_message() -> SlackMessage:
    """The placeholder posted while a long answer is computed, replaced by the answer."""
    return SlackMessage(text=WORKING_TEXT,
                        blocks=(context(f":hourglass_flowing_sand: {WORKING_TEXT}",
                                        block_id=ids.WORKING),))


def kpi_lines() -> list[str]:
    """One line per KPI of the registry: "*First contact resolution* (`fcr`)"."""
    return [f"*{escape(metric.label)}* (`{metric.id}`)" for metric in METRICS]


def example_questions(limit: int = 5) -> list[str]:
    return [f"“{escape(question)}”" for question in EXAMPLE_QUESTIONS[:limit]]


def help_message(subcommands: Sequence[tuple[str, str]] = ()) -> SlackMessage:
    """What kpibot answers, how to ask, a few example questions and the `/kpi` subcommands
    (word, what it is for) besides questions."""
    blocks = (
        header("What I can answer"),
        section("Support KPIs, each with its `n`, the previous period on request and how it "
                "was computed:\n" + bullets(kpi_lines()), ids.HELP_KPIS),
        section("*How to ask*\n" + HOW_TO_ASK, ids.HELP_HOW_TO_ASK),
        section("*Try*\n" + bullets(example_questions()), ids.HELP_EXAMPLES),
        context("Add “by team”, “vs last week” or “by day” to break a figure down, compare "
                "it or see its trend."),
    ) + ((context(" · ".join(f"`/kpi {word}` — {summary}" for word, summary in subcommands)),)
         if subcommands else ())
    return SlackMessage(text="What kpibot can answer, and how to ask", blocks=blocks)
