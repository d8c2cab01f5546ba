"""The App Home tab: what kpibot answers, how people found its answers (the share of thumbs up
in the last 30 days), how to ask, example questions, and the digests configured in this
workspace."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.blocks import ids
from bot.blocks.kit import (
    MAX_VIEW_BLOCKS,
    bullets,
    context,
    divider,
    escape,
    fields_section,
    header,
    section,
)
from bot.blocks.notices import HOW_TO_ASK, example_questions
from kpi_engine.digests.definitions import DigestDefinition
from kpi_engine.digests.schedules import describe_schedule
from kpi_engine.metrics import METRICS, METRICS_BY_ID, Metric
from kpi_engine.question.feedback import HelpfulShare
from kpi_engine.vocabulary import Aggregation, Population, Unit

NO_DIGESTS = "No digests yet — they arrive with `/kpi digest add`."
INTRO = ("Ask about your support KPIs in plain words: I answer with the number, how many "
         "tickets or responses it stands on, the previous period when asked, and how it was "
         "computed.")
KPI_FAMILIES = ("Volumes", "Times", "Ticket rates", "Surveys")
FEEDBACK_DAYS = 30
NO_VOTES = (f"No votes on answers in the last {FEEDBACK_DAYS} days yet — 👍 or 👎 under an "
            "answer says whether it helped.")


@dataclass(frozen=True, kw_only=True)
class DigestSummary:
    """One scheduled digest, as the Home tab lists it."""

    name: str
    channel_id: str
    schedule: str  # in words: "weekdays at 09:00 Europe/Berlin"
    kpis: tuple[str, ...]  # metric ids


def digest_summaries(definitions: Sequence[DigestDefinition]) -> list[DigestSummary]:
    """The stored digests, as the Home tab and `/kpi digest list` list them."""
    return [DigestSummary(name=d.name, channel_id=d.channel_id, schedule=describe_schedule(d),
                          kpis=tuple(kpi.metric for kpi in d.kpis)) for d in definitions]


def kpi_family(metric: Metric) -> str:
    """Which of KPI_FAMILIES a metric is listed under."""
    if metric.population is not Population.TICKETS:
        return "Surveys"
    if metric.aggregation is Aggregation.COUNT:
        return "Volumes"
    if metric.unit is Unit.SECONDS:
        return "Times"
    return "Ticket rates"


def kpi_fields() -> list[str]:
    """One field per family: its name in bold and the labels of its KPIs."""
    fields = []
    for family in KPI_FAMILIES:
        labels = [escape(metric.label) for metric in METRICS if kpi_family(metric) == family]
        if labels:
            fields.append(f"*{family}*\n" + " · ".join(labels))
    return fields


def digest_text(digest: DigestSummary) -> str:
    """"*Morning pulse* in <#C0123> — weekdays at 09:00\nFirst contact resolution · CSAT"."""
    labels = [escape(METRICS_BY_ID[kpi].label if kpi in METRICS_BY_ID else kpi)
              for kpi in digest.kpis]
    return (f"*{escape(digest.name)}* in <#{escape(digest.channel_id)}> — "
            f"{escape(digest.schedule)}\n" + (" · ".join(labels) or "no KPIs"))


def digest_blocks(digests: Sequence[DigestSummary], room: int) -> list[dict[str, Any]]:
    """A section per digest, at most `room` blocks; the rest counted in a last line."""
    if not digests:
        return [section(NO_DIGESTS, ids.HOME_DIGESTS_EMPTY)]
    if len(digests) <= room:
        shown = list(digests)
    else:
        shown = list(digests[: room - 1])
    blocks = [section(digest_text(digest), f"{ids.HOME_DIGEST_PREFIX}{index}")
              for index, digest in enumerate(shown)]
    if len(shown) < len(digests):
        blocks.append(context(f"… and {len(digests) - len(shown):,} more: `/kpi digest list`"))
    return blocks


def helpful_text(share: HelpfulShare) -> str:
    """"Answers found helpful: 84% of 57 votes in the last 30 days"."""
    if not share.votes:
        return NO_VOTES
    votes = f"{share.votes:,} vote{'s' if share.votes != 1 else ''}"
    return (f"Answers found helpful: {share.share:.0%} of {votes} in the last "
            f"{FEEDBACK_DAYS} days")


def home_view(digests: Sequence[DigestSummary] = (),
              helpful: HelpfulShare | None = None) -> dict[str, Any]:
    """The `views.publish` view of the Home tab (at most 100 blocks); `helpful` is the share
    of thumbs up on answers in the last 30 days."""
    blocks: list[dict[str, Any]] = [
        header("kpibot — support KPIs in Slack"),
        section(INTRO),
    ]
    if helpful is not None:
        blocks.append(context(helpful_text(helpful), block_id=ids.HOME_FEEDBACK))
    blocks += [
        header("What I answer"),
        fields_section(kpi_fields(), ids.HOME_KPIS),
        header("How to ask"),
        section(HOW_TO_ASK, ids.HOME_HOW_TO_ASK),
        section("*Try*\n" + bullets(example_questions()), ids.HOME_EXAMPLES),
        divider(),
        header("Digests in this workspace"),
    ]
    blocks += digest_blocks(digests, MAX_VIEW_BLOCKS - len(blocks))
    return {"type": "home", "blocks": blocks}
