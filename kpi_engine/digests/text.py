"""A digest in words: the phrases every digest line is made of, and the whole digest as plain
text (`kpibot digest preview`, `make demo`). The Slack digest (bot/blocks/digest.py) is built
from the same phrases, so the terminal and the channel say the same thing the same way.
"""

from __future__ import annotations

from enum import Enum

from kpi_engine.digests.content import DigestLine, DigestReport, Guardrail
from kpi_engine.formatting import (
    count_noun,
    describe_filters,
    format_change,
    format_count,
    format_value,
    sparkline,
)
from kpi_engine.vocabulary import Aggregation, Anchor


class Verdict(Enum):
    """How a line stands against its target."""

    MET = "met"
    MISSED = "missed"
    NO_TARGET = "no target"
    NO_DATA = "no data"


TEXT_MARKS = {Verdict.MET: "✅", Verdict.MISSED: "❌", Verdict.NO_TARGET: "•",
              Verdict.NO_DATA: "–"}


def verdict(line: DigestLine) -> Verdict:
    if line.current.n == 0:
        return Verdict.NO_DATA
    if line.target_met is None:
        return Verdict.NO_TARGET
    return Verdict.MET if line.target_met else Verdict.MISSED


def step_word(report: DigestReport) -> str:
    """"day", "week" or "month": the step of the digest's period."""
    return report.period.unit.value


def filters_text(report: DigestReport) -> str:
    return describe_filters(report.definition.filters)


def title(report: DigestReport) -> str:
    """"Morning pulse — yesterday (Sun 22 Nov 2026)"."""
    return f"{report.definition.name} — {report.period.describe()}"


def value_phrase(line: DigestLine) -> str:
    """"78.3% · n = 412 tickets", or "no data"."""
    metric = line.metric
    if line.current.n == 0:
        return "no data"
    return f"{format_value(metric, line.current.value)} · n = " \
           f"{format_count(line.current.n, count_noun(metric))}"


def target_phrase(line: DigestLine) -> str:
    """"target ≥ 75%: met" / "… missed" / "… not judged (no data)"; "" without a target."""
    target = line.kpi.target
    if target is None:
        return ""
    judged = {Verdict.MET: "met", Verdict.MISSED: "missed"}.get(verdict(line),
                                                                  "not judged (no data)")
    return f"target {target.describe(line.metric)}: {judged}"


def previous_phrase(line: DigestLine, step: str) -> str:
    """"day before 74.0% (+4.3 pts, within noise)"."""
    metric = line.metric
    shown = format_value(metric, line.previous.value)
    if line.current.n == 0 or line.previous.n == 0:
        return f"{step} before {shown}"
    return f"{step} before {shown} ({change_words(metric, line.change)})"


def baseline_phrase(line: DigestLine, step: str) -> str:
    """"7-day average 75.1%" (a count: "412 a day", "0.4 a day")."""
    metric, baseline = line.metric, line.baseline
    label = f"7-{step} average"
    if baseline.value is None:
        return f"{label} no data"
    if metric.aggregation is Aggregation.COUNT:
        per_step = f" a {step}" if metric.anchor is not Anchor.PERIOD_END else ""
        # a few a day (escalations) keep a decimal: 0.4 a day is not "0 a day"
        shown = f"{baseline.value:,.0f}" if abs(baseline.value) >= 10 else f"{baseline.value:.1f}"
        return f"{label} {shown}{per_step}"
    return f"{label} {format_value(metric, baseline.value)}"


def response_rate_phrase(line: DigestLine) -> str:
    """"survey response rate 35.3% of 1,204 requests" beside CSAT and CES."""
    rate = line.response_rate
    if rate is None:
        return ""
    if rate.n == 0:
        return "survey response rate: no requests sent"
    return f"survey response rate {rate.value * 100:.1f}% of {format_count(rate.n, 'request')}"


def detail_phrases(line: DigestLine, step: str) -> list[str]:
    """What follows the value: the period before, the average, the survey response rate."""
    parts = [previous_phrase(line, step), baseline_phrase(line, step)]
    response = response_rate_phrase(line)
    if response:
        parts.append(response)
    return parts


def guardrail_phrase(guardrail: Guardrail, step: str) -> str:
    """"Average handle time improved (−42 s against the 7-day average, larger than noise) while
    Reopen rate worsened (+1.2 pts, within noise): check quality before celebrating."."""
    efficiency, partner = guardrail.efficiency, guardrail.partner
    return (f"{efficiency.label} improved "
            f"({change_words(efficiency, guardrail.efficiency_change)} against the 7-{step} "
            f"average) while {partner.label} worsened "
            f"({change_words(partner, guardrail.partner_change)}): check quality before "
            "celebrating the speed.")


def change_words(metric, change) -> str:
    """"−9.0 pts, larger than noise", "+25 s, within noise"; the bare change where no test
    applies (a level such as the backlog)."""
    text = format_change(metric, change.difference)
    if change.significant is None:
        return text
    return f"{text}, {'larger than noise' if change.significant else 'within noise'}"


def no_data_phrase(report: DigestReport) -> str:
    where = f" for {filters_text(report)}" if report.definition.filters else ""
    return (f"No data for {report.period.describe()}{where}: no tickets, survey responses or "
            "requests in this period, so nothing to judge.")


def how_computed(report: DigestReport) -> str:
    step = step_word(report)
    return (f"Each KPI over {report.period.describe()} in {report.definition.tz}, by the "
            f"timestamp its definition names; compared with the {step} before and with the "
            f"7 {step}s before, pooled (rates and means over all their records, counts as "
            f"the average a {step}); “within noise” means not significant at 95%.")


def trend_chart_label(report: DigestReport) -> str:
    return f"last {len(report.lines[0].trend) if report.lines else 0} {step_word(report)}s"


def render_digest_text(report: DigestReport) -> str:
    """The digest as plain text, as `kpibot digest preview` prints it."""
    step = step_word(report)
    lines = [title(report)]
    if report.schedule_note:
        lines.append(f"  {report.schedule_note}")
    if report.definition.filters:
        lines.append(f"  filters: {filters_text(report)}")
    if report.no_data:
        lines.append(f"  {no_data_phrase(report)}")
        return "\n".join(lines)
    chart = trend_chart_label(report)
    for line in report.lines:
        head = f"{TEXT_MARKS[verdict(line)]} {line.metric.label}: {value_phrase(line)}"
        target = target_phrase(line)
        lines.append(f"  {head}" + (f" — {target}" if target else ""))
        lines.append(f"     {' · '.join(detail_phrases(line, step))}")
        if line.driver:
            lines.append(f"     {line.driver}")
        lines.append(f"     {chart} {sparkline([point.value for point in line.trend])}")
    for guardrail in report.guardrails:
        lines.append(f"  ⚠️ Guardrail: {guardrail_phrase(guardrail, step)}")
    lines.append(f"  how computed: {how_computed(report)}")
    for line in report.lines:
        lines.append(f"    {line.metric.id}: {line.definition}")
    return "\n".join(lines)

