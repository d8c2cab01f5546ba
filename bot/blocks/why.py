"""The answer to a why ("why did CSAT drop last week?") as a Slack message: short on purpose.

- the change: the KPI, both periods, the values and whether the change is larger than noise;
- the top two or three segments of the dimension that explains it best (the one of the top
  driver; with no driver, the one whose largest segment moved the total most), each with its
  rate effect (its own value moved: from → to) and mix effect (its share of the records moved:
  from → to) and its `n`, drivers marked — then one line for the rest of that dimension, so
  the lines add up to the change (tags overlap and have no such line);
- the drivers of the other dimensions on one line ("also beyond noise: …"), or that no segment
  stands out ("the drop is spread evenly — within noise everywhere");
- the notes (a dimension not split, agents left out for someone who may not see them), the
  assumptions, the method in one line, and the thumbs up and down of every answer.

A chart of the contributions follows in the thread (bot/charts_why.py). When there is nothing
to explain (no data in a period, no change) the message says so in one sentence: never a
made-up driver. Nothing here computes a number.
"""

from __future__ import annotations

from typing import Any

from bot.blocks.answer import feedback_block
from bot.blocks.kit import bullets, context, escape, section
from bot.blocks.message import SlackMessage
from kpi_engine.formatting import (
    count_noun,
    describe_filters,
    format_change,
    format_count,
    format_value,
    short_label,
)
from kpi_engine.query.explanation import (
    ChangeExplanation,
    Contribution,
    DimensionExplanation,
    change_sentence,
    dimension_plural,
    no_driver_words,
)
from kpi_engine.query.measurements import counts_successes
from kpi_engine.vocabulary import Aggregation, Anchor, Dimension

WHY_HEADLINE = "kpi_why_headline"
WHY_SEGMENTS = "kpi_why_segments"
WHY_ALSO = "kpi_why_also"
WHY_NOTES = "kpi_why_notes"
WHY_METHOD = "kpi_why_method"
SHOWN = 3  # segments of the headline dimension shown; the rest are one line
ALSO_SHOWN = 3  # drivers of other dimensions named on the "also" line
AGENTS_HIDDEN = "not split by agent: per-agent figures are for the leads' group"


def why_message(explanation: ChangeExplanation, *, feedback: bool = True) -> SlackMessage:
    """The answer to a why, as a card."""
    metric = explanation.metric
    lines = [f"*Why {escape(short_label(metric))} changed* · "
             f"{escape(explanation.period.describe())} against "
             f"{escape(explanation.previous_period.describe())}",
             escape(_capitalized(change_sentence(explanation))) + "."]
    if explanation.query.filters:
        lines.append("Filters: " + escape(describe_filters(explanation.query.filters)))
    blocks: list[dict[str, Any]] = [section("\n".join(lines), WHY_HEADLINE)]
    shown = headline_dimension(explanation)
    if explanation.reason is None and shown is not None:
        blocks.append(section(segments_text(explanation, shown), WHY_SEGMENTS))
        also = also_text(explanation, shown)
        if also:
            blocks.append(context(also, block_id=WHY_ALSO))
    notes = [*explanation.notes, *(f"assumed: {a}" for a in explanation.query.assumptions)]
    if explanation.query.business_hours:
        notes.append(f"in business hours: {explanation.calendar or 'the workspace calendar'}")
    if notes:
        blocks.append(context(escape(_capitalized("; ".join(notes))), block_id=WHY_NOTES))
    blocks.append(context(escape(method_line(explanation)), block_id=WHY_METHOD))
    if feedback:
        blocks.append(feedback_block())
    return SlackMessage(text=notification(explanation), blocks=tuple(blocks))


def notification(explanation: ChangeExplanation) -> str:
    """"Why CSAT changed, last week: −4.1 pts; top driver team billing (−3.2 pts)"."""
    metric = explanation.metric
    head = f"Why {short_label(metric)} changed, {explanation.period.label}: "
    if explanation.reason is not None:
        return escape(head + explanation.reason)
    text = head + format_change(metric, explanation.difference)
    top = explanation.top_driver
    if top is not None:
        text += (f"; top driver {top.dimension.value} {top.segment.name} "
                 f"({format_change(metric, top.segment.contribution)})")
    elif explanation.dimensions and metric.anchor is not Anchor.PERIOD_END:
        text += "; no segment stands out"
    return escape(text)


def headline_dimension(explanation: ChangeExplanation) -> DimensionExplanation | None:
    """The dimension the answer shows: the top driver's (an additive one first); with no
    driver, the one whose largest segment moved the total most."""
    additive = [d for d in explanation.dimensions if d.additive and d.segments]
    candidates = additive or [d for d in explanation.dimensions if d.segments]
    if not candidates:
        return None
    top = next((driver for driver in explanation.drivers
                if any(driver.dimension is d.dimension for d in candidates)), None)
    if top is not None:
        return explanation.dimension(top.dimension)
    return max(candidates, key=lambda d: max(abs(s.contribution) for s in d.segments
                                              if not s.others))


def segments_text(explanation: ChangeExplanation, shown: DimensionExplanation) -> str:
    """The top segments of `shown` with their effects and `n`, then the rest in one line."""
    metric = explanation.metric
    segments = [s for s in shown.segments if not s.others]
    first = segments[:SHOWN]
    lines = []
    if not explanation.drivers and metric.anchor is not Anchor.PERIOD_END:
        lines.append(_capitalized(no_driver_words(explanation)) + ".")
    elif metric.anchor is Anchor.PERIOD_END:
        lines.append("A level has no noise test: the largest contributions, no driver named.")
    title = f"*By {shown.dimension.value}*, largest contributions first"
    if not shown.additive:
        title += " (a ticket with several tags counts in each)"
    lines.append(title + ":")
    items = [segment_item(explanation, shown.dimension, segment) for segment in first]
    if shown.additive:
        rest = (explanation.difference or 0.0) - sum(s.contribution for s in first)
        others = shown.segments_total - len(first)
        if others > 0:
            noun = dimension_plural(shown.dimension) if others != 1 else shown.dimension.value
            items.append(f"the rest ({others:,} {escape(noun)}): "
                         f"{format_change(metric, rest)}")
    lines.append(bullets(items))
    return "\n".join(lines)


def segment_item(explanation: ChangeExplanation, dimension: Dimension,
                 segment: Contribution) -> str:
    """"*billing* −3.2 pts — driver: its CSAT 88.0% → 79.1% (rate −2.9 pts), its share
    25.0% → 26.1% (mix −0.3 pts), n = 412 responses"."""
    metric = explanation.metric
    name = f"*{escape(segment.name)}*"
    if dimension is Dimension.TIER and segment.segment is not None:
        name = f"*tier {escape(segment.segment)}*"
    mark = " — driver" if segment.driver else ""
    n = format_count(segment.current.n, count_noun(metric))
    if metric.aggregation is Aggregation.COUNT:
        return (f"{name} {format_change(metric, segment.contribution)}{mark}: "
                f"{format_value(metric, segment.previous.value or 0)} → "
                f"{format_value(metric, segment.current.value or 0)}"
                + (f" (n = {n})" if counts_successes(metric) else ""))
    value = (f"its {escape(short_label(metric))} {format_value(metric, segment.previous.value)}"
             f" → {format_value(metric, segment.current.value)} "
             f"(rate {format_change(metric, segment.rate_effect)})")
    share = (f"its share {_percent(segment.previous_share)} → {_percent(segment.share)} "
             f"(mix {format_change(metric, segment.mix_effect)})")
    return f"{name} {format_change(metric, segment.contribution)}{mark}: {value}, {share}, " \
           f"n = {n}"


def also_text(explanation: ChangeExplanation, shown: DimensionExplanation) -> str:
    """"Also beyond noise: channel chat −2.9 pts; agent Asha Rao −1.1 pts" — the largest
    driver of each other dimension."""
    metric = explanation.metric
    named, seen = [], {shown.dimension}
    for driver in explanation.drivers:
        if driver.dimension in seen:
            continue
        seen.add(driver.dimension)
        named.append(f"{driver.dimension.value} {escape(driver.segment.name)} "
                     f"{format_change(metric, driver.segment.contribution)}")
        if len(named) == ALSO_SHOWN:
            break
    return "Also beyond noise: " + "; ".join(named) if named else ""


def method_line(explanation: ChangeExplanation) -> str:
    """How it was computed, in one line."""
    metric = explanation.metric
    definition = explanation.definition or short_label(metric)
    if explanation.reason is not None:
        return f"How computed: {definition}"
    if metric.aggregation is Aggregation.COUNT:
        split = "Each segment's contribution is its own change in count; they add up to the change."
    else:
        split = ("Each segment's contribution = its rate effect (its own value moved, at its "
                 "average share) + its mix effect (its share moved); they add up to the change.")
    if metric.anchor is Anchor.PERIOD_END:
        noise = "A level has no noise test, so no driver is named."
    else:
        noise = (f"A driver moved beyond noise (95%, Holm-corrected for {explanation.tests:,} "
                 "tests).")
    return (f"How computed: {definition}. {split} {noise} Every dimension: "
            f"`kpibot why {metric.id}`.")


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{share * 100:.1f}%"


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]
