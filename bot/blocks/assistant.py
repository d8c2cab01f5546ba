"""What Slack's assistant panel shows before and around a question: the greeting, suggested
prompts, and the title a thread gets from its question."""

from __future__ import annotations

from bot.blocks.kit import clip
from kpi_engine.question.draft import EXAMPLE_QUESTIONS

ASSISTANT_GREETING = (
    "Hi! Ask me about your support KPIs — FCR, CSAT, first response time, backlog and more. "
    "I answer with the number, what it stands on and how it was computed."
)
MAX_PROMPTS = 4  # Slack shows at most four suggested prompts
MAX_PROMPT_TITLE = 40
MAX_THREAD_TITLE = 60
UNTITLED_THREAD = "KPI question"


def shorten(text: str, limit: int) -> str:
    """`text` on one line, cut at a word boundary to at most `limit` characters ("…")."""
    words = " ".join(text.split())
    if len(words) <= limit:
        return words
    cut = words[: limit - 1]
    if " " in cut and words[limit - 1] != " ":
        cut = cut.rsplit(" ", 1)[0]
    return clip(cut.rstrip(" ,;:-") + "…", limit)


def prompt_title(question: str) -> str:
    """"CSAT by agent this month vs last month" from "CSAT by agent …?", capitalised."""
    title = shorten(question.rstrip(" ?"), MAX_PROMPT_TITLE)
    return title[:1].upper() + title[1:]


def suggested_prompts() -> list[dict[str, str]]:
    """Up to four `{"title", "message"}` prompts for `assistant.threads.setSuggestedPrompts`."""
    return [{"title": prompt_title(question), "message": question}
            for question in EXAMPLE_QUESTIONS[:MAX_PROMPTS]]


def thread_title(question: str) -> str:
    """The title of an assistant thread: its question on one line, at most 60 characters."""
    return shorten(question, MAX_THREAD_TITLE) or UNTITLED_THREAD
