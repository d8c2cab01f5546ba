"""The answer card: a KPI result (or the refusal of a question) as a Slack message.

It says what `kpibot ask` prints, in the same words (kpi_engine.formatting): the value in its
unit with its `n` (a median or p90 when asked, the mean beside it), the interval of a survey
rate, the previous period and whether the change is larger than noise, the breakdown or trend
as a table (Slack's table block; a threshold in its title; "no agent has …" when no group
passes), the groups too few to rank, the assumptions, the notes, the business calendar of an
answer in business hours and the one-line definition — and, last, thumbs up and down (a
`context_actions` block with a `feedback_buttons` element) for whoever reads it to say whether
it helped. Nothing here computes a number.
"""

from __future__ import annotations

from typing import Any

from bot.blocks import ids
from bot.blocks.kit import bullets, clip, context, escape, plain_text, section
from bot.blocks.message import SlackMessage
from bot.blocks.table import (
    breakdown_csv,
    fit_table,
    is_trend,
    needs_csv,
    table_block,
    table_rows_shown,
    verdict,
)
from kpi_engine.errors import UserError
from kpi_engine.formatting import (
    calendar_line,
    count_noun,
    describe_change,
    describe_filters,
    describe_interval,
    format_count,
    format_detail,
    format_value,
    group_labels,
    threshold_phrase,
    unranked_phrase,
    value_label,
)
from kpi_engine.query import KpiResult
from kpi_engine.question.answers import Answer

__all__ = [  # the table's CSV helpers are table's; re-exported beside the message they go with
    "answer_message", "breakdown_csv", "feedback_block", "feedback_note", "feedback_thanks",
    "needs_csv", "refusal_message", "result_message",
]

MAX_SUGGESTIONS = 5
MAX_QUESTION_SHOWN = 300
NO_SUGGESTIONS_HINT = "Say `help` to see what I can answer."
# block ids of the lines a threshold or a ranking adds (beside those of bot.blocks.ids)
ANSWER_NO_GROUPS = "kpi_answer_no_groups"
ANSWER_UNRANKED = "kpi_answer_unranked"
ANSWER_CALENDAR = "kpi_answer_calendar"  # the business calendar of an answer in business hours
# The feedback buttons under an answer (at most 75 characters each: Slack's limit).
HELPFUL_LABEL = "This answer helped"
UNHELPFUL_LABEL = "This answer did not help"
THANKS = "Thanks — noted."
SAY_WHAT_WAS_WRONG = "say what was wrong in the answer's thread"


def answer_message(answer: Answer) -> SlackMessage:
    """The Slack message for one answer: the result card, or the refusal."""
    if answer.refusal is not None:
        return refusal_message(answer.refusal, answer.question)
    return result_message(answer.result)


def result_message(result: KpiResult, *, feedback: bool = True) -> SlackMessage:
    """A KPI result as a card; a breakdown or trend adds its table; `feedback` adds the thumbs
    up and down."""
    blocks: list[dict[str, Any]] = [section(headline(result), ids.ANSWER_HEADLINE)]
    if result.change is not None:
        blocks.append(section(comparison(result), ids.ANSWER_COMPARISON))
    attach_csv = False
    if result.rows:
        table_blocks, attach_csv = breakdown_blocks(result)
        blocks += table_blocks
    elif result.query.threshold is not None:  # no group ranked or none passed: say so
        blocks.append(section(escape(capitalized(threshold_phrase(result))), ANSWER_NO_GROUPS))
    if result.unranked:
        blocks.append(context(escape(unranked_line(result)), block_id=ANSWER_UNRANKED))
    blocks += footnotes(result)
    if feedback:
        blocks.append(feedback_block())
    return SlackMessage(text=notification(result), blocks=tuple(blocks), attach_csv=attach_csv)


def notification(result: KpiResult) -> str:
    """The notification text: "First contact resolution, last week: 73.1% (n = 1,204)"."""
    by = [dimension.value for dimension in result.query.group_by]
    if is_trend(result):
        by = [result.query.trend.value]
    words = value_label(result.metric, result.query.statistic) + (
        " by " + " and ".join(by) if by else "")
    if result.query.filters:
        words += f" ({filters_text(result)})"
    overall = " overall" if result.rows else ""
    return escape(f"{words}, {result.period.label}: {value_text(result)}{overall} "
                  f"(n = {result.n:,})")


def filters_text(result: KpiResult) -> str:
    """"tier 1; channel chat or email", as the command line names the filters."""
    return describe_filters(result.query.filters)


def value_text(result: KpiResult) -> str:
    """The value in its unit; "no data" when it stands on nothing."""
    return format_value(result.metric, None if result.n == 0 else result.value)


def headline(result: KpiResult) -> str:
    """Label and period; the value in bold with n, interval, details and percentiles."""
    metric = result.metric
    label = value_label(metric, result.query.statistic)
    lines = [f"*{escape(label)}* · {escape(result.period.describe())}"]
    noun = count_noun(metric)
    if result.n == 0:
        lines.append(f"*{format_value(metric, None)}* ({format_count(0, noun)} in this period)")
    else:
        figures = [f"*{value_text(result)}*", f"n = {format_count(result.n, noun)}"]
        interval = describe_interval(metric, result.current)
        lines.append("   ".join([*figures, interval] if interval else figures))
        lines += measurement_details(result)
    if result.query.filters:
        lines.append("Filters: " + escape(filters_text(result)))
    return "\n".join(lines)


def measurement_details(result: KpiResult) -> list[str]:
    """"mean score: 4.31 / 5" and "median 52 min · p90 3 h 10 min", when the result has them."""
    metric, current = result.metric, result.current
    lines = [f"{name.replace('_', ' ')}: {format_detail(metric, name, value)}"
             for name, value in current.details]
    if current.percentiles:
        lines.append(" · ".join(f"{name} {format_value(metric, value)}"
                                for name, value in current.percentiles))
    return lines


def comparison(result: KpiResult) -> str:
    """The previous period's figure and the change, with "better"/"worse" when it is real."""
    metric, change = result.metric, result.change
    previous = change.previous
    period = result.previous_period.describe() if result.previous_period else "previous period"
    lines = [f"Previous: {format_value(metric, previous.value)} (n = {previous.n:,}), "
             f"{escape(period)}"]
    words = verdict(metric, change)
    direction = f" — *{words}*" if words in ("better", "worse") else ""
    lines.append(f"Change: {describe_change(metric, change, result.query.statistic)}{direction}")
    return "\n".join(lines)


def breakdown_blocks(result: KpiResult) -> tuple[list[dict[str, Any]], bool]:
    """The title line and the table — a table block, or the text table where one cannot hold
    it; True when the table was cut and the CSV should follow."""
    table = table_block(result, ids.ANSWER_TABLE) or section(fit_table(result).text,
                                                               ids.ANSWER_TABLE)
    blocks = [context(table_title(result), block_id=ids.ANSWER_TABLE_TITLE), table]
    shown, total = table_rows_shown(result), len(result.rows)
    if shown < total:
        blocks.append(context(f"The table shows the first {shown:,} of {total:,} rows; all "
                              f"{total:,} are in the attached CSV.", block_id=ids.ANSWER_CSV_NOTE))
    return blocks, shown < total


def table_title(result: KpiResult) -> str:
    """"By team, best first — top 5 of 23" / "By day, in time order" / "Agents with CSAT
    under 80.0%: 4 of 21 agents, worst first"."""
    if is_trend(result):
        return f"By {result.query.trend.value}, in time order"
    by = " and ".join(dimension.value for dimension in result.query.group_by)
    order = "worst first" if result.query.worst_first else "best first"
    title = f"By {by}, {order}"
    if result.query.threshold is not None:
        title = f"{escape(capitalized(threshold_phrase(result)))}, {order}"
    if result.groups_total > len(result.rows):
        title += f" — top {len(result.rows):,} of {result.groups_total:,}"
    return title


def capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def unranked_line(result: KpiResult) -> str:
    """"Too few to rank (fewer than 10 responses): Hana Kim (n = 3), …" (not escaped)."""
    labels = [" / ".join(cells) for cells in group_labels(result, result.unranked)]
    return capitalized(unranked_phrase(result, labels))


def footnotes(result: KpiResult) -> list[dict[str, Any]]:
    """Assumptions, notes and, last, the definition: small grey lines."""
    blocks = []
    if result.query.assumptions:
        text = "Assumed: " + "; ".join(result.query.assumptions)
        blocks.append(context(escape(text), block_id=ids.ANSWER_ASSUMPTIONS))
    if result.notes:
        blocks.append(context(escape("Note: " + "; ".join(result.notes)),
                              block_id=ids.ANSWER_NOTES))
    if result.query.business_hours:
        blocks.append(context(escape(capitalized(calendar_line(result))),
                              block_id=ANSWER_CALENDAR))
    if result.definition:
        blocks.append(context(escape(f"How computed: {result.definition}"),
                              block_id=ids.ANSWER_DEFINITION))
    return blocks


def feedback_block() -> dict[str, Any]:
    """Thumbs up and down under an answer: a context_actions block holding one
    feedback_buttons element, whose click says which button by its value."""
    def button(emoji: str, value: str, label: str) -> dict[str, Any]:
        return {"text": plain_text(emoji), "value": value, "accessibility_label": label}

    return {"type": "context_actions", "block_id": ids.ANSWER_FEEDBACK, "elements": [{
        "type": "feedback_buttons",
        "action_id": ids.FEEDBACK_ACTION,
        "positive_button": button("👍", ids.FEEDBACK_HELPFUL, HELPFUL_LABEL),
        "negative_button": button("👎", ids.FEEDBACK_UNHELPFUL, UNHELPFUL_LABEL),
    }]}


def feedback_thanks(helpful: bool, permalink: str | None = None) -> SlackMessage:
    """The private note a vote gets; a thumbs down, with the answer's link, also where to say
    what was wrong (if they like)."""
    if helpful or not permalink:
        return feedback_note(THANKS)
    return feedback_note(f"{THANKS} If you like, <{permalink}|{SAY_WHAT_WAS_WRONG}>.")


def feedback_note(text: str) -> SlackMessage:
    """A private note to the person who voted (`text` is mrkdwn, data in it escaped)."""
    return SlackMessage(text=text, blocks=(section(text, ids.FEEDBACK_NOTE),))


def refusal_message(error: UserError, question: str) -> SlackMessage:
    """Why a question cannot be answered and what to try instead; never a number."""
    blocks: list[dict[str, Any]] = [
        section(f"I can't answer that: {escape(error.message)}", ids.REFUSAL)
    ]
    suggestions = [escape(s) for s in error.suggestions[:MAX_SUGGESTIONS]]
    if suggestions:
        blocks.append(section("Try:\n" + bullets(suggestions), ids.REFUSAL_SUGGESTIONS))
    else:
        blocks.append(context(NO_SUGGESTIONS_HINT, block_id=ids.REFUSAL_SUGGESTIONS))
    if question.strip():
        shown = clip(" ".join(question.split()), MAX_QUESTION_SHOWN)
        blocks.append(context(f"You asked: “{escape(shown)}”", block_id=ids.REFUSAL_QUESTION))
    return SlackMessage(text=escape(f"Can't answer: {error.message}"), blocks=tuple(blocks))
