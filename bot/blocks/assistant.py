"""What Slack's agent view (and the legacy assistant panel) shows before and around a question:
the greeting, suggested prompts drawn from the workspace's own data, the loading messages that
rotate while an answer is worked out, and the title a thread gets from its question.

Suggested prompts (at most four: `assistant.threads.setSuggestedPrompts`) come first from the
KPIs the digests hold to a target ("FCR for tier 1 vs target ≥ 75%", asking the KPI for the
digest's period and filters — kpibot reads no "vs target", so the target is in the title), then
from the desk's teams ("How is billing's FRT this week?"), then from the example questions.
A prompt is offered only when `readable` (the caller's offline reader) reads its message: a
team named like a KPI word ("returns") would be refused, so it is not suggested.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from bot.blocks.kit import clip
from kpi_engine.digests.definitions import DigestDefinition
from kpi_engine.formatting import short_label
from kpi_engine.metrics import METRICS_BY_ID, Metric
from kpi_engine.question.draft import EXAMPLE_QUESTIONS

ASSISTANT_GREETING = (
    "Hi! Ask me about your support KPIs — FCR, CSAT, first response time, backlog and more. "
    "I answer with the number, what it stands on and how it was computed."
)
PROMPTS_TITLE = "Ask about your support KPIs"
MAX_PROMPTS = 4  # Slack shows at most four suggested prompts
MAX_TARGET_PROMPTS = 2
MAX_TEAM_PROMPTS = 2
MAX_PROMPT_TITLE = 40
MAX_THREAD_TITLE = 60
UNTITLED_THREAD = "KPI question"
TEAM_KPI = "frt"  # the KPI a team is asked about
WORKING_STATUS = "is computing…"
# `assistant.threads.setStatus` rotates through at most 10 of these while an answer is computed.
LOADING_MESSAGES = (
    "Reading your question…",
    "Finding the tickets it stands on…",
    "Computing the figure in the database…",
    "Checking the change against the noise…",
)


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


def kpi_name(metric: Metric) -> str:
    """The KPI as people abbreviate it when they do ("FCR", "FRT", "CSAT"), else its label in
    a sentence ("backlog")."""
    for synonym in metric.synonyms:
        if synonym.isalpha() and 2 <= len(synonym) <= 4:
            return synonym.upper()
    return short_label(metric)


def target_prompts(digests: Sequence[DigestDefinition]) -> Iterator[dict[str, str]]:
    """One prompt per KPI a digest holds to a target: the title names the target, the message
    asks the KPI for the digest's period and filters ("FCR last week for tier 1"). A digest
    whose filters take several values or leave values out is not phrased."""
    for digest in digests:
        where = _where_words(digest)
        if where is None:
            continue
        for kpi in digest.kpis:
            metric = METRICS_BY_ID.get(kpi.metric)
            if kpi.target is None or metric is None:
                continue
            name = kpi_name(metric)
            scope = f" for {where}" if where else ""
            title = f"{name}{scope} vs target {kpi.target.describe(metric)}"
            yield {"title": shorten(title, MAX_PROMPT_TITLE),
                   "message": f"{name} {digest.period}{scope}"}


def team_prompts(teams: Sequence[str]) -> Iterator[dict[str, str]]:
    """"How is billing's FRT this week?" ("How is sales doing on FRT …" for a name in s)."""
    name = kpi_name(METRICS_BY_ID[TEAM_KPI])
    for team in teams:
        team = " ".join(team.split())
        if not team:
            continue
        question = (f"How is {team} doing on {name} this week?" if team.endswith("s")
                    else f"How is {team}'s {name} this week?")
        yield {"title": prompt_title(question), "message": question}


def suggested_prompts(*, teams: Sequence[str] = (), digests: Sequence[DigestDefinition] = (),
                      readable: Callable[[str], bool] = lambda question: True,
                      ) -> list[dict[str, str]]:
    """Up to four `{"title", "message"}` prompts for `assistant.threads.setSuggestedPrompts`:
    the digests' targets (two at most), the teams (two at most), then example questions —
    only those `readable` reads, each message once."""
    chosen: list[dict[str, str]] = []
    seen: set[str] = set()

    def take(candidates, limit: int, check: bool = True) -> None:
        taken = 0
        for prompt in candidates:
            if len(chosen) == MAX_PROMPTS or taken == limit:
                return
            key = prompt["message"].casefold()
            if key not in seen and (not check or readable(prompt["message"])):
                seen.add(key)
                chosen.append(prompt)
                taken += 1

    take(target_prompts(digests), MAX_TARGET_PROMPTS)
    take(team_prompts(teams), MAX_TEAM_PROMPTS)
    take(({"title": prompt_title(question), "message": question}
          for question in EXAMPLE_QUESTIONS), MAX_PROMPTS, check=False)
    return chosen


def thread_title(question: str) -> str:
    """The title of an assistant thread: its question on one line, at most 60 characters."""
    return shorten(question, MAX_THREAD_TITLE) or UNTITLED_THREAD


def _where_words(digest: DigestDefinition) -> str | None:
    """"tier 1 and team billing"; "" without filters; None when they cannot be said simply."""
    words = []
    for condition in digest.filters:
        if condition.exclude or len(condition.values) != 1:
            return None
        words.append(f"{condition.dimension.value} {condition.values[0]}")
    return " and ".join(words)
