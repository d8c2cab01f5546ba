"""Scoring the blind sets (questions.jsonl, thread_replies.jsonl) against the reader.

The sets are frozen: they were written by someone who never saw the reader (README.md). This
module only translates — a query the reader produced into the sets' reading format — and
compares. Each question ends as one of:

- ``right``: read as meant (an answer whose reading is the expected one, or any of the
  accepted ones; a refusal or a question back where no number was meant);
- ``refused``: no number where one was meant (not a misread, but it counts against the score);
- ``misread``: a number for a different question — the outcome that must never happen.

A thread reply is ``right`` when a follow-up is read as meant, or chatter is left alone;
``silent`` when a follow-up got no answer; ``misread`` when chatter is answered or a
follow-up is answered with a different meaning.

Run ``python -m tests.blind.scoring`` for the figures and every miss.
"""

from __future__ import annotations

import inspect
import json
import math
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from kpi_engine.errors import UserError
from kpi_engine.metrics import get_metric
from kpi_engine.periods import Period, PeriodKind
from kpi_engine.query import Filter, KpiQuery
from kpi_engine.question import Workspace, understand
from kpi_engine.question.lexicon import Lexicon
from kpi_engine.samples.desk import AGENTS, TAGS, TEAMS
from kpi_engine.vocabulary import Dimension, Direction, Granularity

HERE = Path(__file__).parent
NOW = datetime(2026, 11, 25, 14, 5, tzinfo=timezone.utc)
DEFAULT_PERIOD = {"start": (NOW - timedelta(days=7)).isoformat(), "end": NOW.isoformat()}
LEXICON = Lexicon.of(agents=AGENTS, teams=TEAMS, tags=TAGS)


def workspace() -> Workspace:
    return Workspace(lexicon=LEXICON, now=NOW, tz="UTC", week_start="monday")


def load(name: str) -> list[dict]:
    with open(HERE / name, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


# ---------------------------------------------------------------- query -> reading


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat()


def reading_of(query: KpiQuery) -> dict:
    """The reading a query stands for, in the sets' format (every key present)."""
    metric = get_metric(query.metric)
    rank = None
    if query.group_by and query.limit is not None or getattr(query, "ranked", False):
        lower_first = (metric.direction is Direction.LOWER) != query.worst_first
        rank = {"first": "lowest" if lower_first else "highest", "limit": query.limit}
    threshold = getattr(query, "threshold", None)
    return {
        "metric": query.metric,
        "period": {"start": _iso(query.period.start), "end": _iso(query.period.end)},
        "filters": {f.dimension.value: sorted(f.values) for f in query.filters
                    if not getattr(f, "exclude", False)},
        "exclude": {f.dimension.value: sorted(f.values) for f in query.filters
                    if getattr(f, "exclude", False)},
        "group_by": [d.value for d in query.group_by],
        "rank": rank,
        "threshold": None if threshold is None else {"op": threshold.op,
                                                     "value": threshold.value},
        "compare": bool(query.compare),
        "previous": None if query.previous is None else {
            "start": _iso(query.previous.start), "end": _iso(query.previous.end)},
        "statistic": getattr(getattr(query, "statistic", None), "value", None),
        "trend": query.trend.value if query.trend is not None else None,
    }


# ---------------------------------------------------------------- comparing


def _same_instant(a: str, b: str) -> bool:
    return datetime.fromisoformat(a) == datetime.fromisoformat(b)


def differences(expected: dict, actual: dict) -> list[str]:
    """What `actual` (a reading_of) gets wrong of `expected` (a reading of the set)."""
    wrong = []
    if actual["metric"] != expected["metric"]:
        wrong.append(f"metric {actual['metric']} (meant {expected['metric']})")
    period = expected.get("period")
    if period in (None, "default"):
        period = DEFAULT_PERIOD
    ends_only = expected["metric"] == "backlog"
    if not _same_instant(actual["period"]["end"], period["end"]) or (
            not ends_only and not _same_instant(actual["period"]["start"], period["start"])):
        wrong.append(f"period {actual['period']['start']}..{actual['period']['end']}")
    for key in ("filters", "exclude"):
        meant = {dim: sorted(str(v) for v in values)
                 for dim, values in (expected.get(key) or {}).items()}
        if actual[key] != meant:
            wrong.append(f"{key} {actual[key]} (meant {meant})")
    if sorted(actual["group_by"]) != sorted(expected.get("group_by") or []):
        wrong.append(f"group_by {actual['group_by']}")
    meant_rank = expected.get("rank")
    if meant_rank is None:
        if actual["rank"] is not None and actual["rank"]["limit"] is not None:
            wrong.append(f"rank {actual['rank']} (none meant)")
    elif actual["rank"] is None or actual["rank"]["first"] != meant_rank["first"] or (
            meant_rank.get("limit") is not None
            and actual["rank"]["limit"] != meant_rank["limit"]):
        wrong.append(f"rank {actual['rank']} (meant {meant_rank})")
    meant_threshold = expected.get("threshold")
    got_threshold = actual["threshold"]
    if (meant_threshold is None) != (got_threshold is None) or (
            meant_threshold is not None and (
                got_threshold["op"] != meant_threshold["op"]
                or not math.isclose(got_threshold["value"], meant_threshold["value"],
                                    rel_tol=1e-9, abs_tol=1e-9))):
        wrong.append(f"threshold {got_threshold} (meant {meant_threshold})")
    if bool(expected.get("compare")) != actual["compare"]:
        wrong.append(f"compare {actual['compare']}")
    elif expected.get("previous") and (
            actual["previous"] is None
            or not _same_instant(actual["previous"]["start"], expected["previous"]["start"])
            or not _same_instant(actual["previous"]["end"], expected["previous"]["end"])):
        wrong.append(f"previous {actual['previous']} (meant {expected['previous']})")
    meant_statistic = expected.get("statistic")
    if (meant_statistic or "mean") != (actual["statistic"] or "mean"):
        wrong.append(f"statistic {actual['statistic']} (meant {meant_statistic})")
    if expected.get("trend") != actual["trend"]:
        wrong.append(f"trend {actual['trend']} (meant {expected.get('trend')})")
    return wrong


def closest_differences(expect: dict, actual: dict) -> list[str]:
    """[] when `actual` is one of the accepted readings; else the nearest one's differences."""
    readings = expect.get("any_of") or [expect]
    return min((differences(reading, actual) for reading in readings), key=len)


# ---------------------------------------------------------------- reading -> query (replies)


def query_of(reading: dict) -> KpiQuery:
    """The query a `previous` reading stands for, so a reply can follow it up. Raises
    UserError where the reader's queries cannot say it."""
    metric = get_metric(reading["metric"])
    period = reading.get("period") or DEFAULT_PERIOD
    filters = [Filter(dimension=Dimension(dim), values=tuple(map(str, values)))
               for dim, values in (reading.get("filters") or {}).items()]
    if reading.get("exclude") or reading.get("threshold") or reading.get("statistic"):
        raise UserError("the reader's queries cannot hold this previous question")
    rank = reading.get("rank")
    worst_first = False
    if rank is not None:
        worst_first = (rank["first"] == "highest") == (metric.direction is Direction.LOWER)
    previous = reading.get("previous")
    return KpiQuery(
        metric=metric.id,
        period=Period(start=datetime.fromisoformat(period["start"]),
                      end=datetime.fromisoformat(period["end"]), label="as asked",
                      kind=PeriodKind.RANGE),
        filters=tuple(filters),
        group_by=tuple(Dimension(dim) for dim in reading.get("group_by") or ()),
        compare=bool(reading.get("compare")),
        previous=None if not previous else Period(
            start=datetime.fromisoformat(previous["start"]),
            end=datetime.fromisoformat(previous["end"]), label="as asked",
            kind=PeriodKind.RANGE),
        limit=rank.get("limit") if rank else None,
        worst_first=worst_first,
        trend=Granularity(reading["trend"]) if reading.get("trend") else None,
    )


# ---------------------------------------------------------------- the runs


@dataclass(frozen=True)
class Outcome:
    id: str
    text: str
    verdict: str  # right, refused / silent, misread
    detail: str


def score_question(item: dict) -> Outcome:
    expect = item["expect"]
    try:
        query = understand(item["question"], workspace()).query
    except UserError as refusal:
        verdict = "right" if expect.get("refuse") else "refused"
        return Outcome(item["id"], item["question"], verdict, refusal.message)
    if expect.get("refuse"):
        return Outcome(item["id"], item["question"], "misread",
                       f"answered ({reading_of(query)['metric']}); meant: {expect.get('why')}")
    wrong = closest_differences(expect, reading_of(query))
    return Outcome(item["id"], item["question"], "misread" if wrong else "right",
                   "; ".join(wrong))


def score_reply(item: dict, *, quiet: bool = True) -> Outcome:
    expect = item["expect"]
    try:
        previous = query_of(item["previous"])
    except UserError as cannot:
        if not expect.get("ignore"):
            return Outcome(item["id"], item["reply"], "silent", f"not scorable: {cannot}")
        previous = query_of({k: v for k, v in item["previous"].items()
                             if k not in ("exclude", "threshold", "statistic")})
    try:
        options = {"quiet": quiet} if "quiet" in inspect.signature(understand).parameters else {}
        query = understand(item["reply"], workspace(), previous=previous, **options).query
    except UserError as refusal:
        verdict = "right" if expect.get("ignore") else "silent"
        return Outcome(item["id"], item["reply"], verdict, refusal.message)
    if expect.get("ignore"):
        return Outcome(item["id"], item["reply"], "misread", "chatter answered")
    wrong = closest_differences(expect, reading_of(query))
    return Outcome(item["id"], item["reply"], "misread" if wrong else "right", "; ".join(wrong))


def score_all() -> tuple[list[Outcome], list[Outcome]]:
    return ([score_question(item) for item in load("questions.jsonl")],
            [score_reply(item) for item in load("thread_replies.jsonl")])


def summary(name: str, outcomes: list[Outcome]) -> str:
    counts = Counter(outcome.verdict for outcome in outcomes)
    total = len(outcomes)
    parts = ", ".join(f"{verdict} {count}" for verdict, count in sorted(counts.items()))
    return (f"{name}: {counts['right']}/{total} read as meant "
            f"({100 * counts['right'] / total:.1f}%); {parts}")


def main() -> None:
    questions, replies = score_all()
    show = set(sys.argv[1:]) or {"misread", "refused", "silent"}
    for outcome in [*questions, *replies]:
        if outcome.verdict in show:
            print(f"{outcome.verdict:8} {outcome.id} {outcome.text!r}: {outcome.detail}")
    print(summary("questions", questions))
    print(summary("thread replies", replies))


if __name__ == "__main__":
    main()
