"""The answer card, table, CSV and chart of the query's newer shapes: excluded filter values, a
threshold on a breakdown (and none passing), groups too few to rank, a median or p90 as the
value, and the counts of a rate's tickets (escalations, reopened, complaints) — plus the Home
tab's KPI families. Every expected string is written out by hand."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

from bot.blocks import breakdown_csv, ids, result_message
from bot.blocks.answer import ANSWER_NO_GROUPS, ANSWER_UNRANKED
from bot.blocks.home import kpi_family, kpi_fields
from bot.blocks.table import table_lines
from bot.charts import chart_alt_text, chart_png, chart_title, wants_chart
from kpi_engine.engine import KpiEngine
from kpi_engine.metrics import get_metric
from kpi_engine.query import Filter, KpiQuery, Ranking, Threshold
from kpi_engine.query.stats import Interval
from kpi_engine.vocabulary import Dimension, Statistic
from tests.builders import add_tickets, make_settings

from . import slack_limits
from .results import LAST_WEEK, change, measurement, result, row, tier_one_filter
from .slack_limits import assert_valid_message, table_of, text_of, texts

LAST_WEEK_WORDS = "last week (Mon 9 Nov – Sun 15 Nov 2026)"
CSAT_DEFINITION = "share of CSAT responses (1–5) scoring 4 or 5; 95% Wilson interval"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_an_exclusion_is_named_in_the_headline_and_the_notification():
    filters = (*tier_one_filter(),
               Filter(dimension=Dimension.CHANNEL, values=("chat", "email"), exclude=True))
    message = result_message(result(filters=filters))
    assert_valid_message(message)
    assert text_of(message.blocks, ids.ANSWER_HEADLINE).endswith(
        "\nFilters: tier 1; excluding channel chat and email")
    assert message.text == ("First contact resolution (tier 1; excluding channel chat and "
                            "email), last week: 73.1% (n = 1,204)")


def csat_by_agent(rows, *, measured: int, threshold=None, limit=None, unranked=(),
                  ranking=None, notes=()):
    """CSAT by agent last week: `rows` shown of `measured` groups."""
    base = result("csat", 0.84, 300, rows=rows, group_by=(Dimension.AGENT,), limit=limit,
                  threshold=threshold, definition=CSAT_DEFINITION, notes=notes)
    return replace(base, groups_measured=measured, unranked=tuple(unranked), ranking=ranking)


UNDER_80 = Threshold(op="<", value=0.8)
LOW_AGENTS = [row({"agent": "Ivo Petrov"}, 0.78, 41), row({"agent": "Lea Moser"}, 0.75, 24),
              row({"agent": "Sam Ortiz"}, 0.71, 38), row({"agent": "Kai Lund"}, 0.62, 13)]


def test_a_threshold_is_in_the_tables_title_in_the_kpis_unit():
    message = result_message(csat_by_agent(LOW_AGENTS, measured=21, threshold=UNDER_80))
    assert_valid_message(message)
    # 4 of the 21 agents are under 80%
    assert text_of(message.blocks, ids.ANSWER_TABLE_TITLE) == (
        "Agents with CSAT under 80.0%: 4 of 21 agents, best first")
    assert table_of(message.blocks, ids.ANSWER_TABLE)[:2] == [
        ["agent", "value", "n"], ["Ivo Petrov", "78.0%", "41"]]
    assert table_lines(csat_by_agent(LOW_AGENTS, measured=21, threshold=UNDER_80))[:2] == [
        "agent       value   n", "Ivo Petrov  78.0%  41"]


def test_no_group_past_the_threshold_is_said_and_no_table_is_drawn():
    message = result_message(csat_by_agent([], measured=21, threshold=UNDER_80))
    assert_valid_message(message)
    assert text_of(message.blocks, ANSWER_NO_GROUPS) == (
        "No agent has CSAT under 80.0% (21 agents measured)")
    assert not any(b.get("block_id") in (ids.ANSWER_TABLE, ids.ANSWER_TABLE_TITLE)
                   for b in message.blocks)


def test_groups_too_few_to_rank_are_listed_apart_with_the_rule():
    rows = [row({"agent": "Bo Berg"}, 0.95, 100, interval=Interval(0.8882, 0.9785)),
            row({"agent": "Ana Alves"}, 1.0, 10, interval=Interval(0.7225, 1.0))]
    unranked = [row({"agent": "Hana Kim"}, 1.0, 3), row({"agent": "Tom Nguyen"}, 0.0, 1)]
    note = "ranked among agents with at least 10 responses, by the low end of the 95% interval"
    message = result_message(csat_by_agent(
        rows, measured=6, limit=2, unranked=unranked,
        ranking=Ranking(min_n=10, by="wilson_low"), notes=(note,)))
    assert_valid_message(message)
    assert text_of(message.blocks, ANSWER_UNRANKED) == (
        "Too few to rank (fewer than 10 responses): Hana Kim (n = 3), Tom Nguyen (n = 1)")
    assert text_of(message.blocks, ids.ANSWER_NOTES) == f"Note: {note}"


def test_a_long_list_of_groups_too_few_to_rank_stays_within_slacks_limits():
    unranked = [row({"agent": f"<Agent> {'x' * 200} {i}"}, 0.5, 2) for i in range(60)]
    message = result_message(csat_by_agent(
        [], measured=60, limit=3, unranked=unranked, ranking=Ranking(min_n=10)))
    assert_valid_message(message)
    line = text_of(message.blocks, ANSWER_UNRANKED)
    assert line.startswith("Too few to rank (fewer than 10 responses): &lt;Agent&gt; xxx")
    assert "<Agent>" not in " ".join(texts(message.blocks))


def frt_median(**query):
    current = measurement(3120.0, 880, details=(("mean", 4320.0),))
    return result("frt", current=current, statistic=Statistic.MEDIAN,
                  definition="median time from a ticket's creation to the first human agent "
                             "reply", **query)


def test_a_median_is_named_in_the_headline_with_the_mean_on_the_next_line():
    message = result_message(frt_median())
    assert_valid_message(message)
    assert text_of(message.blocks, ids.ANSWER_HEADLINE) == (
        f"*Median first response time* · {LAST_WEEK_WORDS}\n*52 min*   n = 880 tickets\n"
        "mean: 1 h 12 min")
    assert message.text == "Median first response time, last week: 52 min (n = 880)"


def test_a_median_change_has_no_noise_test_and_takes_no_side():
    message = result_message(frt_median(delta=change(3720.0, 900, -600.0, None), compare=True))
    comparison = text_of(message.blocks, ids.ANSWER_COMPARISON)
    assert comparison.endswith("Change: −10 min, no noise test for a median")
    assert "better" not in comparison and "within noise" not in comparison


def test_a_breakdown_of_the_p90_names_its_column():
    rows = [row({"team": "billing"}, 2400.0, 120, details=(("mean", 1500.0),)),
            row({"team": "tech"}, 5400.0, 80, details=(("mean", 2000.0),))]
    by_team = result("frt", current=measurement(4000.0, 200), statistic=Statistic.P90,
                     group_by=(Dimension.TEAM,), rows=rows)
    message = result_message(by_team)
    assert_valid_message(message)
    assert table_of(message.blocks, ids.ANSWER_TABLE) == [
        ["team", "p90", "n"], ["billing", "40 min", "120"], ["tech", "1 h 30 min", "80"]]
    assert table_lines(by_team) == [
        "team            p90    n", "billing      40 min  120", "tech     1 h 30 min   80"]
    assert breakdown_csv(by_team) == "team,p90 (seconds),n\nbilling,2400,120\ntech,5400,80\n"
    assert chart_title(by_team) == "P90 first response time — last week"
    assert chart_alt_text(by_team) == (
        "Bar chart of P90 first response time by team, last week, best at the top")


def _escalation_desk(db) -> None:
    """Created Tue 10 Nov: vip e1, e2 escalated; complaint e1 escalated, e3 not; refund e4,
    e5 not."""
    moment = datetime(2026, 11, 10, 9, tzinfo=timezone.utc)
    add_tickets(
        db,
        {"id": "e1", "created_at": moment, "escalated": True, "tags": ["vip", "complaint"]},
        {"id": "e2", "created_at": moment, "escalated": True, "tags": ["vip"]},
        {"id": "e3", "created_at": moment, "tags": ["complaint"]},
        {"id": "e4", "created_at": moment, "tags": ["refund"]},
        {"id": "e5", "created_at": moment, "tags": ["refund"]},
    )


def test_escalations_by_tag_from_the_engine_as_a_card_and_a_chart(sqlite_db):
    _escalation_desk(sqlite_db)
    query = KpiQuery(metric="escalations", period=LAST_WEEK, group_by=(Dimension.TAG,))
    escalations = KpiEngine(sqlite_db, make_settings()).run(query)
    message = result_message(escalations)
    assert_valid_message(message)
    # refund 0 of 2, complaint 1 of 2 (e1), vip 2 of 2; fewer is better; e1 once in the total
    assert message.text == "Escalations by tag, last week: 2 overall (n = 5)"
    assert table_of(message.blocks, ids.ANSWER_TABLE) == [
        ["tag", "value", "n"], ["refund", "0", "2"], ["complaint", "1", "2"], ["vip", "2", "2"]]
    assert table_lines(escalations) == [
        "tag        value  n", "refund         0  2", "complaint      1  2", "vip            2  2"]
    assert wants_chart(escalations)  # three tags with data: a 0 is data
    assert chart_png(escalations).startswith(PNG_SIGNATURE)


def test_the_counts_of_a_rates_tickets_are_listed_with_the_volumes():
    for metric in ("escalations", "reopened", "complaints"):
        assert kpi_family(get_metric(metric)) == "Volumes"
    [volumes] = [field for field in kpi_fields() if field.startswith("*Volumes*")]
    assert volumes == ("*Volumes*\nTicket volume · Resolved tickets · Backlog · Escalations · "
                       "Reopened tickets · Complaints")
    slack_limits._section({"type": "section", "fields": [{"type": "mrkdwn", "text": volumes}]})
