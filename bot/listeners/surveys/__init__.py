"""Clicks on a survey in a support thread, and its optional comment (clicks.py): every answer
button, the comment button and its modal, and a catch-all for survey buttons kpibot does not
know (an old message, a forged action id).
"""

from __future__ import annotations

import re

from slack_bolt import App

from bot.blocks import ids
from bot.blocks.survey import KIND_OF_ACTION
from bot.deps import Deps
from bot.listeners.surveys.clicks import SurveyClicks


def register(app: App, deps: Deps) -> None:
    clicks = SurveyClicks(deps.support, deps.answering)
    for action in KIND_OF_ACTION:
        app.action(action)(clicks.on_answer)
    app.action(ids.SURVEY_COMMENT)(clicks.on_comment_button)
    app.view(ids.SURVEY_COMMENT_MODAL)(clicks.on_comment)
    # Any other kpibot survey button (an old message, a forged action id) — never the known
    # ones: Bolt tries the next matching listener when one is slow to acknowledge.
    known = "|".join(re.escape(action.removeprefix(ids.SURVEY_ACTION_PREFIX))
                     for action in (*KIND_OF_ACTION, ids.SURVEY_COMMENT))
    app.action(re.compile(rf"^{re.escape(ids.SURVEY_ACTION_PREFIX)}(?!(?:{known})$)"))(
        clicks.on_unknown)
