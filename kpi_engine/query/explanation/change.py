"""A change explained, whole: `ChangeExplanation` — the change (as the comparison gives it),
each dimension's segments, the drivers, and why there is nothing to explain when there is not —
as JSON, as text for a terminal, on one line; and the sentences about it: the change, the top
driver for a digest, "no segment stands out".
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from kpi_engine.formatting import describe_filters, format_change, format_value, short_label
from kpi_engine.metrics import Metric
from kpi_engine.periods import Period
from kpi_engine.query.explanation.segments import (
    ALPHA,
    METHOD,
    DimensionExplanation,
    Driver,
)
from kpi_engine.query.explanation.words import driver_phrase, segment_line
from kpi_engine.query.model import Change, KpiQuery, KpiResult, Measurement, filters_json
from kpi_engine.vocabulary import Anchor, Dimension


@dataclass(frozen=True, kw_only=True)
class ChangeExplanation:
    """Why a KPI changed between two periods: the change (as a comparison gives it) and, per
    dimension examined, each segment's contribution. `reason` says why there is nothing to
    explain (no data in a period, no change) — then no dimension is examined."""

    query: KpiQuery
    metric: Metric
    period: Period
    previous_period: Period
    current: Measurement
    previous: Measurement
    change: Change
    dimensions: tuple[DimensionExplanation, ...] = ()
    reason: str | None = None
    notes: tuple[str, ...] = field(default=())
    definition: str = ""
    calendar: str | None = None
    tests: int = 0  # how many noise tests the explanation ran (the family Holm corrects for)

    @property
    def difference(self) -> float | None:
        return self.change.difference

    @property
    def drivers(self) -> tuple[Driver, ...]:
        """Every driver of every dimension, the most clearly beyond noise first (a tie: the
        larger contribution). A cause diluted in a broader segment (billing's chat tickets
        within tier 1) moves it less on more records, and a smaller segment within it (one
        billing agent) as much on fewer: either shows a smaller test statistic than the
        segment that matches the cause, so the top driver is the most specific one."""
        found = [Driver(d.dimension, s) for d in self.dimensions for s in d.drivers]
        return tuple(sorted(found, key=lambda driver: (
            -(driver.segment.evidence or 0.0), -abs(driver.segment.contribution))))

    @property
    def top_driver(self) -> Driver | None:
        drivers = self.drivers
        return drivers[0] if drivers else None

    def result(self) -> KpiResult:
        """The comparison this explains, as `run` gives it (no statement of its own)."""
        return KpiResult(query=self.query, metric=self.metric, current=self.current,
                         period=self.period, previous_period=self.previous_period,
                         change=self.change, definition=self.definition,
                         calendar=self.calendar)

    def dimension(self, dimension: Dimension) -> DimensionExplanation | None:
        return next((d for d in self.dimensions if d.dimension is dimension), None)

    def without(self, dimension: Dimension, note: str) -> ChangeExplanation:
        """This explanation without one dimension (agents for someone who may not see them),
        and a note saying so."""
        if self.dimension(dimension) is None:
            return self
        return replace(self, dimensions=tuple(d for d in self.dimensions
                                              if d.dimension is not dimension),
                       notes=(*self.notes, note))

    def summary(self) -> str:
        """One sentence: the change and its top driver, or why nothing is named."""
        head = change_sentence(self)
        if self.reason is not None:
            return head + "."
        top = self.top_driver
        if top is not None:
            return f"{head}; the top driver is {driver_phrase(self.metric, top)}."
        if self.metric.anchor is Anchor.PERIOD_END:
            return (f"{head}; a level has no noise test, so no segment is named a driver "
                    "(the largest contributions are listed).")
        if not self.dimensions:
            return f"{head}."
        return f"{head}; {no_driver_words(self)}."

    def to_json(self) -> dict[str, Any]:
        query, metric = self.query, self.metric
        data: dict[str, Any] = {
            "metric": metric.id, "label": metric.label, "unit": metric.unit.value,
            "explain_change": True,
            "value": self.current.value, "n": self.current.n,
            "period": self.period.to_json(),
            "previous": {**self.previous.to_json(), "period": self.previous_period.to_json()},
            "change": self.change.difference, "significant": self.change.significant,
            **filters_json(query.filters),
            "method": METHOD, "alpha": ALPHA, "tests": self.tests,
            "dimensions": [dimension.to_json() for dimension in self.dimensions],
            "drivers": [driver.to_json() for driver in self.drivers],
            "summary": self.summary(),
            "definition": self.definition,
        }
        if self.reason is not None:
            data["reason"] = self.reason
        if self.notes:
            data["notes"] = list(self.notes)
        if query.assumptions:
            data["assumptions"] = list(query.assumptions)
        if query.business_hours:
            data["business_hours"] = {"calendar": self.calendar}
        return data

    def text(self) -> str:
        """The explanation as a support lead reads it in a terminal."""
        metric = self.metric
        lines = [f"Why {short_label(metric)} changed — {self.period.describe()} against "
                 f"{self.previous_period.describe()}",
                 f"  {self.summary()}"]
        if self.query.filters:
            lines.append("  filters: " + describe_filters(self.query.filters))
        for explained in self.dimensions:
            lines.append("")
            title = f"  by {explained.dimension.value}"
            if not explained.additive:
                title += " (each on its own: not additive)"
            lines.append(title + ":")
            for segment in explained.segments:
                lines.append("    " + segment_line(metric, segment))
            if explained.note:
                lines.append(f"    note: {explained.note}")
        for note in self.notes:
            lines.append(f"  note: {note}")
        for assumption in self.query.assumptions:
            lines.append(f"  assumed: {assumption}")
        if self.query.business_hours:
            lines.append(f"  in business hours: {self.calendar or 'the workspace calendar'}")
        lines.append(f"  how computed: {self.definition}; split by segment with the "
                     f"{METHOD}; drivers: larger than noise at 95% after Holm's correction "
                     f"for the {self.tests:,} tests")
        return "\n".join(lines)

    def line(self) -> str:
        """The explanation on one line (one answer per question read from a stream)."""
        parts = [self.summary()]
        for driver in self.drivers[1:3]:
            parts.append("also " + driver_phrase(self.metric, driver))
        parts.extend(f"assumed: {assumption}" for assumption in self.query.assumptions)
        return "; ".join(parts)



def change_sentence(explanation: ChangeExplanation) -> str:
    """"CSAT fell 4.1 pts (85.0% → 80.9%, larger than noise)", or why there is nothing to
    explain."""
    if explanation.reason is not None:
        return explanation.reason
    metric, change = explanation.metric, explanation.change
    before = format_value(metric, explanation.previous.value)
    now = format_value(metric, explanation.current.value)
    verb = "rose" if change.difference > 0 else "fell"
    if change.significant is True:
        noise = ", larger than noise"
    elif change.significant is False:
        noise = ", within noise"
    else:
        noise = ""
    amount = format_change(metric, change.difference)
    moved = "barely moved" if amount.startswith("±") else f"{verb} {amount.lstrip('+−')}"
    return (f"{short_label(metric)} {moved} ({before} → {now}{noise}), "
            f"{explanation.period.label} against {explanation.previous_period.label}")


def driver_line(explanation: ChangeExplanation) -> str:
    """The top driver in one line, as a digest names it for a KPI that missed its target:
    "top driver against the day before: team billing −3.2 pts (rate −2.9 pts, mix −0.3 pts;
    88.0% → 79.1%, n = 412 tickets)" — or why none is named."""
    against = f"against {explanation.previous_period.label}"
    if explanation.reason is not None:
        return f"why, {against}: {explanation.reason}"
    top = explanation.top_driver
    if top is not None:
        return f"top driver {against}: {driver_phrase(explanation.metric, top)}"
    if explanation.metric.anchor is Anchor.PERIOD_END:
        return f"why, {against}: a level has no noise test, so no driver is named"
    return f"why, {against}: {no_driver_words(explanation)}"


def no_driver_words(explanation: ChangeExplanation) -> str:
    """"no segment stands out: the drop is spread evenly — within noise everywhere" (or, when
    the change itself is within noise, that every segment's is too)."""
    if explanation.change.significant is False:
        return "no segment stands out: the change is within noise, and so is every segment's"
    return f"no segment stands out: the {change_noun(explanation)} is spread evenly — within " \
           "noise everywhere"


def change_noun(explanation: ChangeExplanation) -> str:
    difference = explanation.change.difference or 0.0
    return "rise" if difference > 0 else "drop"

