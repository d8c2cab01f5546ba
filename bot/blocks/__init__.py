"""Pure Block Kit builders for kpibot's Slack messages and views.

Every function here turns kpi_engine values into Slack payload dicts: no Slack client, no I/O,
no globals, and no matplotlib (charts are `bot.charts`, imported when a chart is drawn).

- `answer_message(answer)`: the answer card of a result, or the refusal of a question.
- `refusal_message(error, question)`, `needs_csv(result)`, `breakdown_csv(result)`,
  `csv_filename(result)`.
- `apology_message(incident_id)`, `access_refusal(reason)`, `help_message()`,
  `working_message()`.
- `home_view(digests)`: the App Home tab.
- `ASSISTANT_GREETING`, `suggested_prompts()`, `thread_title(question)`: the assistant panel.
"""

from bot.blocks.answer import answer_message, refusal_message, result_message
from bot.blocks.assistant import ASSISTANT_GREETING, suggested_prompts, thread_title
from bot.blocks.home import DigestSummary, home_view
from bot.blocks.message import SlackMessage
from bot.blocks.notices import (
    AccessRefusal,
    access_refusal,
    apology_message,
    help_message,
    working_message,
)
from bot.blocks.table import breakdown_csv, csv_filename, needs_csv

__all__ = [
    "ASSISTANT_GREETING",
    "AccessRefusal",
    "DigestSummary",
    "SlackMessage",
    "access_refusal",
    "answer_message",
    "apology_message",
    "breakdown_csv",
    "csv_filename",
    "help_message",
    "home_view",
    "needs_csv",
    "refusal_message",
    "result_message",
    "suggested_prompts",
    "thread_title",
    "working_message",
]
