"""The suggested prompts of the agent view, from what the workspace holds: its teams (the known
values of the team dimension) and its digests (their KPIs, targets, periods and filters), each
prompt kept only when kpibot's offline reader reads it. Read when a DM or a thread opens — two
small queries — and never in the way: when the database cannot say, the example questions
stand in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_sdk.errors import SlackApiError

from bot.blocks.assistant import suggested_prompts
from bot.deps import Deps
from bot.errors import log_internal_error
from kpi_engine.errors import UserError
from kpi_engine.question.draft import Workspace
from kpi_engine.question.lexicon import load_lexicon
from kpi_engine.question.rules import read_question

logger = logging.getLogger("kpibot.slack")


def workspace_prompts(deps: Deps) -> list[dict[str, str]]:
    """Up to four prompts from the desk's teams and the digests; the examples if unreadable."""
    engine = deps.engine
    try:
        lexicon = load_lexicon(engine.db)
        digests = deps.digests.digests.all()
        workspace = Workspace(lexicon=lexicon, now=engine.now(), tz=engine.settings.zone,
                              week_start=engine.settings.week_start)
    except Exception:
        log_internal_error("reading the teams and digests for suggested prompts")
        return suggested_prompts()

    def readable(question: str) -> bool:
        try:
            read_question(question, workspace)
        except UserError:
            return False
        return True

    try:
        return suggested_prompts(teams=lexicon.teams, digests=digests, readable=readable)
    except Exception:
        log_internal_error("choosing the suggested prompts")
        return suggested_prompts()


def best_effort(call: Callable[[], object]) -> None:
    """Titles, statuses and prompts exist only where Slack has an agent or assistant thread;
    elsewhere Slack refuses them, and the answer goes on without."""
    try:
        call()
    except SlackApiError as error:
        logger.debug("assistant call refused: %s", error.response.get("error"))
