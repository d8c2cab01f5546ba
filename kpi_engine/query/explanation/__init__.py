"""A change explained: where the change of a KPI between two periods came from.

`KpiEngine.explain_change(query)` measures, for each dimension examined (team, channel, tier,
priority, agent, tag), every segment's aggregates in both periods — one statement per
dimension, see sql/explain_change.py — and `build_explanation` splits the change into the
segments' contributions. Nothing here runs SQL. The modules: segments.py (a segment's sums and
contribution), noise.py (the tests and the drivers), build.py (the decomposition and the
listing), change.py (the explanation whole, as JSON and text), words.py (a segment's line).

The decomposition (shift-share, symmetric midpoint form). For a ratio or a mean KPI the value
of a period is the weighted mean of its segments' values, R = Σᵢ wᵢ·rᵢ, where wᵢ = nᵢ / N is the
segment's share of the records the value stands on (a ratio: its eligible records; a mean: its
measured records) and rᵢ its own value. With 0 the earlier period and 1 the later one, the
change R¹ − R⁰ is split exactly into, for each segment:

    rate effect  = w̄ᵢ · (rᵢ¹ − rᵢ⁰)             its own value moved, at its average share
    mix effect   = (r̄ᵢ − R̄) · (wᵢ¹ − wᵢ⁰)        its share of the records moved

with w̄ᵢ = (wᵢ⁰ + wᵢ¹)/2, r̄ᵢ = (rᵢ⁰ + rᵢ¹)/2 and R̄ = (R⁰ + R¹)/2. The interaction term
(Δw·Δr) is split half and half between the two effects (the midpoint form), so neither period
is privileged; the mix effect is measured from the average R̄, so a segment whose share grew
at the average value contributes nothing (ΣΔwᵢ = 0, so centring changes no sum). Then
Σᵢ (rate + mix) = Σᵢ (wᵢ¹rᵢ¹ − wᵢ⁰rᵢ⁰) = R¹ − R⁰ exactly. A segment with no records in one
period takes its other period's value there: its rate effect is 0 and its whole contribution
is mix (it appeared, or it went). A count KPI is the sum of its segments' counts: each
segment's contribution is its own change in count (all rate, no mix). Records without a value
(no team, no agent) are a segment of their own, "(none)", so the sums hold.

Tags: a ticket with two tags is in two segments, so tags cannot split the change additively.
Each tag is explained as its own two-segment split — the tickets carrying it against those
that do not — with the decomposition above: its contribution is exact for that split, and the
tags' contributions do not add up to the total change (`additive` is false, and the answer
says so).

Noise: a segment is a *driver* when it carries at least 5% of its dimension's movement (Σ|its
segments' contributions|) and the effect that makes most of its contribution is larger than
noise: its own value's change (the test `compare` uses for the KPI: a two-proportion
z-test for a ratio, Welch's t-test for a mean, a Poisson rate test for a count), or, for a mix
effect, its share of the records (a two-proportion z-test of nᵢ/N). Every test of an
explanation is one family, corrected by Holm's step-down method at 95% — a desk of 50 agents
tested at 95% each would name two or three drivers out of pure noise on every question. The
drivers are listed most clearly beyond noise first (the |z| or |t| of that test): the segment
that matches a cause shows it more clearly than a broader one that dilutes it or a smaller one
within it, so the top driver is the most specific. When
no segment passes, the change is "spread evenly — within noise everywhere". A level (the
backlog) has no noise test, as in a comparison, so it names no driver. A dimension with many
values lists its `top` largest contributions and one "all others" line that sums the rest.
"""

from kpi_engine.query.explanation.build import build_explanation, examined_dimensions
from kpi_engine.query.explanation.change import (
    ChangeExplanation,
    change_noun,
    change_sentence,
    driver_line,
    no_driver_words,
)
from kpi_engine.query.explanation.noise import change_test, holm
from kpi_engine.query.explanation.segments import (
    ALPHA,
    METHOD,
    MIN_PART,
    NO_VALUE,
    TOP_SEGMENTS,
    Contribution,
    DimensionExplanation,
    Driver,
    Pair,
    Sums,
    measurement_of,
)
from kpi_engine.query.explanation.words import (
    dimension_plural,
    driver_phrase,
    effect_words,
    segment_line,
)

__all__ = [
    "ALPHA", "METHOD", "MIN_PART", "NO_VALUE", "TOP_SEGMENTS", "ChangeExplanation", "Contribution",
    "DimensionExplanation", "Driver", "Pair", "Sums", "build_explanation", "change_noun",
    "change_sentence", "change_test", "dimension_plural", "driver_line", "driver_phrase",
    "effect_words", "examined_dimensions", "holm", "measurement_of", "no_driver_words",
    "segment_line",
]
