"""Reading a question with a language model (the LangChain path of question understanding).

Here live the system prompt (the versioned template of `prompts/`, filled with the metric
registry — each KPI's words and, by the frame of the question, its concepts —, the known
dimension values and the workspace's today), `load_chat_model` (a chat model named
`provider:model`, as `KPIBOT_LLM` gives it, optionally at a base URL) and `read_with_model`,
which asks the model for a `QueryDraft` through `with_structured_output`, under a timeout.

The model only reads: it fills the query schema and never sees a ticket or gives a number.
What it returns is a draft; `resolve_draft` (called by the caller) is the one validation.
Every way the model can fail to give a usable draft is a `ModelUnavailable`, on which the
caller keeps the offline reader's answer (understanding.py). LangChain is imported inside the
functions only, so importing this module stays cheap and works without it installed.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from kpi_engine.metrics import METRICS
from kpi_engine.question.draft import QueryDraft, Workspace
from kpi_engine.vocabulary import FIXED_VALUES, Dimension, Direction, Frame

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from kpi_engine.query import KpiQuery

PROMPT_VERSION = "question_to_query.v2"
PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts"
MAX_QUESTION_CHARS = 2000
MAX_LISTED_VALUES = 200
SYNONYMS_SHOWN = 4
MAX_RETRIES = 1  # the client's retries of a failed call (429, 5xx, a dropped connection)
FRAME_WORDS = {  # how a question asks, per frame (the registry gives each KPI's frame)
    Frame.DURATION: "how long / how fast / how quickly / time to",
    Frame.COUNT: "how many / number of",
    Frame.SHARE: "what % / what share / what rate / how often / how satisfied",
}


class ModelUnavailable(Exception):
    """The model gave no usable reading (not installed, not configured, failed, too slow,
    answered outside the schema or not at all). An internal signal to fall back, not a
    UserError: nothing of it is shown to the person."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def render_prompt(workspace: Workspace) -> str:
    """The system prompt of PROMPT_VERSION, filled for this workspace."""
    path = PROMPTS_DIR / f"{PROMPT_VERSION}.md"
    try:
        template = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ModelUnavailable(f"the prompt template {path} cannot be read: {error}") from error
    local_now = _local_now(workspace)
    return template.format_map({
        "kpis": _kpi_lines(),
        "frames": _frame_lines(),
        "dimensions": _dimension_lines(workspace),
        "today": f"{local_now:%A} {local_now:%Y-%m-%d}",
        "timezone": _zone_name(workspace.tz),
    })


def load_chat_model(name: str, *, base_url: str | None = None, timeout: float | None = None,
                    max_retries: int = MAX_RETRIES):
    """The LangChain chat model `provider:model` (e.g. `openai:gpt-4o-mini`), at `base_url`
    when given (a proxy, a compatible server, a test double; else the provider's own), with
    the client's own `timeout` per request (seconds) and at most `max_retries` retries."""
    options: dict[str, object] = {"max_retries": max_retries}
    if base_url:
        options["base_url"] = base_url
    if timeout is not None:
        options["timeout"] = timeout
    try:
        from langchain.chat_models import init_chat_model

        return init_chat_model(name, **options)
    except Exception as error:  # ImportError (no langchain or no provider package), ValueError…
        raise ModelUnavailable(f"KPIBOT_LLM={name} could not be loaded: "
                               f"{_first_line(error)}") from error


def read_with_model(question: str, workspace: Workspace, model: BaseChatModel, *,
                    timeout: float = 15.0, previous: KpiQuery | None = None) -> QueryDraft:
    """The model's reading of `question` as a QueryDraft (not yet validated: the caller
    resolves it). With `previous`, the question is a follow-up to that query. Raises
    ModelUnavailable when the model gives no draft within `timeout` seconds."""
    try:
        from langchain_core.exceptions import OutputParserException
        from langchain_core.messages import HumanMessage, SystemMessage
    except ImportError as error:
        raise ModelUnavailable(f"LangChain is not installed: {error}") from error

    system = render_prompt(workspace)
    if previous is not None:
        system += "\n" + describe_previous(previous)
    messages = [SystemMessage(system), HumanMessage(question[:MAX_QUESTION_CHARS])]
    try:
        answer = _call_with_timeout(
            lambda: model.with_structured_output(QueryDraft).invoke(messages), timeout)
        if isinstance(answer, dict):
            answer = QueryDraft.model_validate(answer)
    except TimeoutError as error:
        raise ModelUnavailable(f"the model did not answer within {timeout:g} s") from error
    except (ValidationError, OutputParserException) as error:
        raise ModelUnavailable("the model's answer did not fit the query schema: "
                               f"{_schema_problem(error)}") from error
    except Exception as error:  # whatever the provider raises: the caller falls back
        raise ModelUnavailable(f"the model call failed: {_call_failure(error)}") from error
    if not isinstance(answer, QueryDraft):
        raise ModelUnavailable(f"the model returned no query (got {type(answer).__name__})")
    return answer


def _call_with_timeout(call, timeout: float):
    """call() in a daemon thread: its result or exception, or TimeoutError after `timeout`
    seconds — and a call that hangs does not keep the process from exiting."""
    outcome: dict[str, object] = {}
    done = threading.Event()

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as error:  # handed to the caller's thread
            outcome["error"] = error
        finally:
            done.set()

    threading.Thread(target=run, name="kpibot-llm", daemon=True).start()
    if not done.wait(timeout):
        raise TimeoutError
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def describe_previous(previous: KpiQuery) -> str:
    """The follow-up instructions: the previous query as JSON, and what to return."""
    period = previous.period
    described = {
        "metric": previous.metric,
        "period": {"label": period.label, "start": period.start.isoformat(timespec="minutes"),
                   "end": period.end.isoformat(timespec="minutes")},
        "filters": [{"dimension": item.dimension.value, "values": list(item.values),
                     "exclude": item.exclude} for item in previous.filters],
        "group_by": [dimension.value for dimension in previous.group_by],
        "compare": previous.compare,
        "compare_to": previous.previous.label if previous.previous else None,
        "order": "worst" if previous.worst_first else "best",
        "limit": previous.limit,
        "percentiles": previous.percentiles,
        "trend": previous.trend.value if previous.trend is not None else None,
        "statistic": previous.statistic.value if previous.statistic is not None else None,
        "threshold": ({"op": previous.threshold.op, "value": previous.threshold.value}
                      if previous.threshold is not None else None),
        "business_hours": previous.business_hours,
        "explain_change": previous.explain_change,
    }
    return (
        "## This question is a follow-up\n"
        "The previous question of this conversation was read as this query (its period end is"
        " exclusive):\n"
        f"{json.dumps(described, ensure_ascii=False)}\n"
        "Return the complete new query the follow-up asks for: keep every part of the previous"
        " query the follow-up does not change (to keep the period, repeat its label) and"
        " change only what it asks to change."
    )


def _kpi_lines() -> str:
    lines = []
    for metric in METRICS:
        words = [word for word in metric.synonyms
                 if word.lower() not in (metric.id, metric.label.lower())][:SYNONYMS_SHOWN]
        shown = ", ".join(f'"{word}"' for word in words)
        lines.append(f"- {metric.id} — {metric.label} — {shown} — {metric.unit.value} — "
                     f"{_better(metric.direction)}")
    return "\n".join(lines)


def _better(direction: Direction) -> str:
    match direction:
        case Direction.HIGHER:
            return "higher is better"
        case Direction.LOWER:
            return "lower is better"
        case Direction.NEUTRAL:
            return "neither is better (best = highest)"


def _frame_lines() -> str:
    """Per frame of a question, what it is asked about → the KPI, from each KPI's concepts."""
    sections = []
    for frame in Frame:
        lines = [f"{FRAME_WORDS[frame]} + …"]
        lines += [f"- {', '.join(metric.concepts)} → {metric.id}"
                  for metric in METRICS if metric.frame is frame and metric.concepts]
        sections.append("\n".join(lines))
    return "\n\n".join(sections)


def _dimension_lines(workspace: Workspace) -> str:
    lines = []
    for dimension in Dimension:
        match dimension:
            case Dimension.TIER | Dimension.CHANNEL | Dimension.PRIORITY | Dimension.KIND:
                known = ", ".join(FIXED_VALUES[dimension])
            case Dimension.AGENT | Dimension.TEAM | Dimension.TAG:
                known = _listing(workspace.lexicon.values(dimension))
            case Dimension.CUSTOMER:
                known = "any customer id, e.g. an email"
        lines.append(f"- {dimension.value}: {known}")
    return "\n".join(lines)


def _listing(values: tuple[str, ...]) -> str:
    """Up to MAX_LISTED_VALUES values, then how many more there are."""
    if not values:
        return "none known yet"
    shown = ", ".join(values[:MAX_LISTED_VALUES])
    hidden = len(values) - MAX_LISTED_VALUES
    return f"{shown} …and {hidden} more" if hidden > 0 else shown


def _local_now(workspace: Workspace) -> datetime:
    zone = ZoneInfo(workspace.tz) if isinstance(workspace.tz, str) else workspace.tz
    return workspace.now.astimezone(zone)


def _zone_name(tz: object) -> str:
    return tz if isinstance(tz, str) else getattr(tz, "key", None) or str(tz)


def _schema_problem(error: ValidationError | Exception) -> str:
    """The first field that did not fit, e.g. "limit: Input should be a valid integer"."""
    if isinstance(error, ValidationError) and error.errors():
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "answer"
        return f"{where}: {first['msg']}"
    return _first_line(error)


def _call_failure(error: Exception) -> str:
    """What went wrong in a call: the HTTP status and the provider's own message when there
    is one ("OpenAIAuthenticationError (HTTP 401): Incorrect API key provided: …")."""
    status = getattr(error, "status_code", None)
    body = getattr(error, "body", None)
    detail = body.get("message") if isinstance(body, dict) else None
    if isinstance(status, int):
        return f"{type(error).__name__} (HTTP {status}): {_first_line(detail or error)}"
    return f"{type(error).__name__}: {_first_line(error)}"


def _first_line(error: BaseException | str) -> str:
    text = str(error).strip()
    return text.splitlines()[0][:300] if text else type(error).__name__
