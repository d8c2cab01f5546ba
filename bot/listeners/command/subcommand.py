"""What a `/kpi` subcommand is: a `Subcommand` answers `/kpi WORD …` within the
acknowledgement and, when it has slow work, after it. The table of subcommands is in
`table.py`; the surfaces that own one declare it (`digests.DIGEST`, `support.SUPPORT_CHANNEL`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from slack_bolt import Ack, Respond
from slack_sdk import WebClient

from bot.deps import Deps

# (deps, the words after WORD, the command's payload, ack, the Web API client)
Acknowledge = Callable[[Deps, list[str], dict, Ack, WebClient], None]
# (deps, the words after WORD, respond): the slow part, after the acknowledgement
Answer = Callable[[Deps, list[str], Respond], None]


@dataclass(frozen=True, kw_only=True)
class Subcommand:
    """One `/kpi WORD …`. `acknowledge` answers within Slack's three seconds (the
    acknowledgement may carry the whole answer); `answer`, when given, runs after it as a lazy
    listener. An `alone` subcommand is one only when WORD is all the command says (`/kpi help`;
    `/kpi help me with FCR` is a question). `summary`, when given, is its line on the help card
    ("the morning digests and their alerts")."""

    acknowledge: Acknowledge
    answer: Answer | None = None
    alone: bool = False
    summary: str = ""
