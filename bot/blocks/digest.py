"""The digest and the alert as Slack messages: pure builders over `DigestReport` and
`AlertReading`, in the words of kpi_engine.digests.text.

A digest is a header with its period, one section per KPI — a mark for met / missed / no target
/ no data, the value with its `n`, the target, the day before and the 7-day average with
whether each change is larger than noise, the survey response rate beside CSAT and CES, and a
14-step sparkline, and for a KPI that missed its target or alerted the top driver of its change
in one line — then the guardrails and the "how computed" line. The definitions of its
KPIs go in a reply in the digest's thread (`definitions_message`), next to the chart.
"""

from __future__ import annotations

from typing import Any

from bot.blocks import ids
from bot.blocks.kit import bullets, context, escape, header, section
from bot.blocks.message import SlackMessage
from kpi_engine.digests.alerts import AlertReading, AlertRule
from kpi_engine.digests.content import DigestLine, DigestReport
from kpi_engine.digests.text import (
    Verdict,
    detail_phrases,
    filters_text,
    guardrail_phrase,
    how_computed,
    no_data_phrase,
    step_word,
    target_phrase,
    title,
    trend_chart_label,
    value_phrase,
    verdict,
)
from kpi_engine.formatting import format_value, sparkline

SLACK_MARKS = {Verdict.MET: ":white_check_mark:", Verdict.MISSED: ":x:",
               Verdict.NO_TARGET: ":small_blue_diamond:", Verdict.NO_DATA: ":heavy_minus_sign:"}
NOTIFIED_KPIS = 3  # KPIs named in the notification text
ASK_MORE = "Reply in this thread to ask more — e.g. “by agent”, “by day”, “vs last week”."


def digest_message(report: DigestReport) -> SlackMessage:
    """The digest as posted in its channel."""
    blocks: list[dict[str, Any]] = [header(title(report))]
    about = [f"Digest *{escape(report.definition.name)}*"]
    if report.definition.filters:
        about.append(f"filters: {escape(filters_text(report))}")
    step = step_word(report)
    about.append(f"against the {step} before and the 7-{step} average")
    if report.schedule_note:  # "Runs on the 31st: posted on Thu 30 Apr 2026, …"
        about.append(escape(report.schedule_note))
    blocks.append(context(" · ".join(about), block_id=ids.DIGEST_ABOUT))
    if report.no_data:
        blocks.append(section(escape(no_data_phrase(report)), ids.DIGEST_NO_DATA))
        return SlackMessage(text=escape(no_data_phrase(report)), blocks=tuple(blocks))
    chart = trend_chart_label(report)
    for index, line in enumerate(report.lines):
        blocks.append(section(_line_text(line, step, chart), f"{ids.DIGEST_KPI_PREFIX}{index}"))
    for index, guardrail in enumerate(report.guardrails):
        blocks.append(section(f":warning: *Guardrail:* {escape(guardrail_phrase(guardrail, step))}",
                              f"{ids.DIGEST_GUARDRAIL_PREFIX}{index}"))
    blocks.append(context(escape(f"How computed: {how_computed(report)}"),
                          block_id=ids.DIGEST_HOW_COMPUTED))
    return SlackMessage(text=notification(report), blocks=tuple(blocks))


def _line_text(line: DigestLine, step: str, chart: str) -> str:
    target = target_phrase(line)
    mark, label = SLACK_MARKS[verdict(line)], escape(line.metric.label)
    first = f"{mark} *{label}*  {escape(value_phrase(line))}"
    if target:
        first += f" — {escape(target)}"
    lines = [first]
    if line.current.n or line.baseline.n:
        lines.append(escape(" · ".join(detail_phrases(line, step))))
        if line.driver:  # missed its target or alerted: where the change came from
            lines.append(":mag: " + escape(line.driver))
        lines.append(f"`{sparkline([point.value for point in line.trend])}` {escape(chart)}")
    return "\n".join(lines)


def notification(report: DigestReport) -> str:
    """"Tier 1 morning, yesterday: First contact resolution 50.0% (missed), …"."""
    parts = []
    for line in report.lines[:NOTIFIED_KPIS]:
        judged = verdict(line)
        note = f" ({judged.value})" if judged in (Verdict.MET, Verdict.MISSED) else ""
        parts.append(f"{line.metric.label} {format_value(line.metric, line.current.value)}{note}")
    more = len(report.lines) - NOTIFIED_KPIS
    tail = f", and {more} more" if more > 0 else ""
    return escape(f"{report.definition.name}, {report.period.label}: {', '.join(parts)}{tail}")


def definitions_message(report: DigestReport) -> SlackMessage:
    """The thread reply that says how each KPI of the digest is computed."""
    items = [f"*{escape(line.metric.label)}*: {escape(line.definition)}" for line in report.lines]
    text = "How each KPI is computed"
    return SlackMessage(text=text, blocks=(
        section(f"*{text}*\n" + bullets(items), ids.DIGEST_DEFINITIONS),
        context(ASK_MORE)))


def alert_message(reading: AlertReading, text: str, *, ask_link: str | None = None) -> SlackMessage:
    """An alert in the digest's channel: what crossed, by how much, on how many records, and
    where to ask more (this thread, or kpibot's DM by `ask_link`)."""
    metric = reading.result.metric
    kind = "crossed its threshold" if reading.rule is AlertRule.THRESHOLD else "moved for the worse"
    headline = f":rotating_light: *{escape(metric.label)} {kind}*"
    ask = ASK_MORE + (f" Or <{ask_link}|ask kpibot directly>." if ask_link else "")
    blocks = (
        section(f"{headline}\n{escape(text)}", ids.ALERT),
        context(f"From digest *{escape(reading.definition.name)}* · {ask}",
                block_id=ids.ALERT_ASK_MORE),
        context(escape(f"How computed: {reading.result.definition}"),
                block_id=ids.ALERT_DEFINITION),
    )
    return SlackMessage(text=escape(f"Alert: {metric.label} {kind} — {text}"), blocks=blocks)
