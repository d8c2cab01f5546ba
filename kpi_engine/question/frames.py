"""Which KPI a question asks about: its name when it says one ("FCR", "time to first reply"),
else what it is about (its concepts: "close", "waiting", "escalated", "happy") combined with how
it asks (its frame: "how long" a duration, "how many" a count, "what share / how often" a
rate). Both come from the metric registry — each KPI declares its concepts, and its unit gives
its frame — so a new KPI brings its own phrasing:

    how long … close        → resolution time      how many … close    → resolved tickets
    how many … waiting      → backlog              what % … answered   → response rate
    how many escalations    → escalations          escalation rate     → escalation rate

Every word about a KPI must agree with the one chosen: a concept word that belongs to another
KPI is asked back ("which one: …?"), unless it is also a tag ("CSAT for complaint tickets").
"""

from __future__ import annotations

from kpi_engine.errors import QuestionRefused
from kpi_engine.metrics import METRICS, METRICS_BY_ID, get_metric
from kpi_engine.question.grammar import add_value
from kpi_engine.question.reading import Reading
from kpi_engine.vocabulary import Aggregation, Dimension, Frame, SurveyKind

_SURVEY_KINDS = {kind.value for kind in SurveyKind}


def choose_metric(reading: Reading) -> None:
    """Keep one KPI in `reading.metrics` (none when the question names none), or ask back."""
    frame = reading.frames[0] if reading.frames else None
    named = list(dict.fromkeys(m for m, s, _ in reading.metrics if s == 2))
    named = _survey_kinds(reading, named)
    strong = [(entry, word) for entry, word in reading.concepts if entry.strength > 0]
    concepts = strong or reading.concepts
    if named:
        chosen = _one_named(named, frame)
    elif concepts:
        tickets = any(m == "ticket_volume" and s == 0 for m, s, _ in reading.metrics)
        chosen = _by_concepts(concepts, frame, tickets)
    elif reading.metrics:
        chosen = _weakest_named(reading, frame)
    else:
        return
    _account_for_concepts(reading, chosen)
    strength = 2 if named else 1
    reading.metrics = [(chosen, strength, get_metric(chosen).label)]


def _survey_kinds(reading: Reading, named: list[str]) -> list[str]:
    """"CSAT survey response rate", "what % of csat surveys get answered": the kinds named
    beside the survey response rate are its filter."""
    kinds = [m for m in named if m in _SURVEY_KINDS]
    answered = any("response_rate" in entry.metrics for entry, _ in reading.concepts)
    asks_rate = "survey_response_rate" in named or (
        reading.survey and ("response_rate" in named or answered))
    if not asks_rate:
        return named
    for kind in kinds:
        add_value(reading, Dimension.KIND, kind)
    reading.concepts = [(e, w) for e, w in reading.concepts if "response_rate" not in e.metrics]
    return ["survey_response_rate"] + [m for m in named if m not in _SURVEY_KINDS
                                       and m not in ("response_rate", "survey_response_rate")]


def _one_named(named: list[str], frame: Frame | None) -> str:
    if len(named) == 1:
        return named[0]
    if frame is not None:
        fitting = [m for m in named if METRICS_BY_ID[m].frame is frame]
        if len(fitting) == 1:
            return fitting[0]
    raise _which_one(named)


def _by_concepts(concepts: list, frame: Frame | None, tickets_counted: bool) -> str:
    """The KPI the concepts share, narrowed by the frame; ask back when several remain."""
    sets = [set(entry.metrics) for entry, _ in concepts]
    common = set.intersection(*sets) or set.union(*sets)
    candidates = [metric.id for metric in METRICS if metric.id in common]  # registry order
    if frame is not None:
        fitting = [m for m in candidates if METRICS_BY_ID[m].frame is frame]
        if fitting:
            candidates = fitting
        elif len(candidates) == 1 and frame is not Frame.COUNT:
            raise _frame_mismatch(candidates[0], frame)
        if frame is Frame.COUNT and len(candidates) > 1:  # "how many did we solve": counts
            counted = [m for m in candidates
                       if METRICS_BY_ID[m].aggregation is Aggregation.COUNT]
            candidates = counted or candidates
    elif len(candidates) > 1:
        counts = [m for m in candidates if METRICS_BY_ID[m].frame is Frame.COUNT]
        if counts:  # "escalations by team", "reopens last week": how many
            candidates = counts
    if len(candidates) > 1 and tickets_counted:
        # "how many tickets did we close": a count of tickets, not a mean per ticket
        counted = [m for m in candidates if METRICS_BY_ID[m].aggregation is Aggregation.COUNT]
        candidates = counted or candidates
    if len(candidates) > 1:
        raise _which_one(candidates)
    return candidates[0]


def _weakest_named(reading: Reading, frame: Frame | None) -> str:
    """Only generic words ("tickets", "the queue"): their KPI, unless the frame asks for
    something else ("what share of tickets …" with nothing more is asked back)."""
    strongest = max(strength for _, strength, _ in reading.metrics)
    chosen = next(m for m, s, _ in reading.metrics if s == strongest)
    if frame is not None and METRICS_BY_ID[chosen].frame is not frame \
            and frame is not Frame.COUNT:
        raise _frame_mismatch(chosen, frame)
    return chosen


def _account_for_concepts(reading: Reading, chosen: str) -> None:
    """Every concept word must be about the chosen KPI, be a tag to filter by, or be weak."""
    for entry, word in reading.concepts:
        if chosen in entry.metrics:
            continue
        if entry.dimension is not None:  # "complaint" beside CSAT: complaint tickets
            add_value(reading, entry.dimension, entry.value)
            continue
        if entry.strength == 0:
            continue
        others = [m for m in entry.metrics if m != chosen]
        raise _which_one([chosen, *others[:2]], about=word.original)


def _which_one(metric_ids: list[str], about: str | None = None) -> QuestionRefused:
    labels = [get_metric(metric_id).label for metric_id in dict.fromkeys(metric_ids)]
    said = f" ({about!r} is about {labels[1]})" if about and len(labels) > 1 else ""
    return QuestionRefused(f"I answer one KPI at a time — which one: {' or '.join(labels)}?"
                           f"{said}", list(dict.fromkeys(metric_ids)))


def _frame_mismatch(metric_id: str, frame: Frame) -> QuestionRefused:
    metric = get_metric(metric_id)
    asked = {Frame.DURATION: "how long", Frame.COUNT: "how many",
             Frame.SHARE: "what share"}[frame]
    return QuestionRefused(f"I can't tell {asked} of what: {metric.label} is "
                           f"{'a ' + metric.frame.value if metric.frame else 'not that'}",
                           [metric.id])
