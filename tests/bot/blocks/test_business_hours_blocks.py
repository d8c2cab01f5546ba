"""Business hours in Slack: the answer card names the calendar a time was counted on (a grey
line before "How computed"), and the digest modal has the KPIs in business hours — offered for
the three times only, filled in when editing, read back from a submission."""

from __future__ import annotations

from bot.blocks import ids, result_message
from bot.blocks.answer import ANSWER_CALENDAR
from bot.blocks.digest_admin import DIGEST_FIELD_BUSINESS_HOURS, digest_modal, submitted_digest
from kpi_engine.digests.definitions import DigestDefinition, definition_from_parts
from kpi_engine.metrics import get_metric
from kpi_engine.query import KpiQuery, KpiResult, Measurement

from .results import LAST_WEEK
from .slack_limits import assert_valid_message, text_of

CALENDAR = "Mon–Fri 09:00–17:00 Europe/Berlin, DE-BE holidays"


def test_the_answer_card_names_the_calendar():
    query = KpiQuery(metric="frt", period=LAST_WEEK, business_hours=True)
    result = KpiResult(query=query, metric=get_metric("frt").with_business_hours(),
                       current=Measurement(value=3060.0, n=5), period=LAST_WEEK,
                       definition="mean business time …", calendar=CALENDAR)
    message = result_message(result)
    assert_valid_message(message)
    assert message.text == "First response time in business hours, last week: 51 min (n = 5)"
    assert text_of(message.blocks, ANSWER_CALENDAR) == f"In business hours: {CALENDAR}"
    block_ids = [block.get("block_id") for block in message.blocks]
    assert block_ids.index(ANSWER_CALENDAR) + 1 == block_ids.index(ids.ANSWER_DEFINITION)
    plain = KpiResult(query=KpiQuery(metric="frt", period=LAST_WEEK), metric=get_metric("frt"),
                      current=Measurement(value=3060.0, n=5), period=LAST_WEEK)
    assert ANSWER_CALENDAR not in [block.get("block_id") for block in
                                   result_message(plain).blocks]


def _field(modal: dict) -> dict:
    return next(block for block in modal["blocks"]
                if block["block_id"] == DIGEST_FIELD_BUSINESS_HOURS)


def test_the_digest_modal_offers_the_times_in_business_hours():
    empty = _field(digest_modal(None, channel_id="C0123ABCD", default_tz="UTC"))
    assert empty["optional"] is True
    assert [option["value"] for option in empty["element"]["options"]] == [
        "frt", "resolution_time", "service_level"]
    assert "initial_options" not in empty["element"]
    definition = DigestDefinition.from_dict({
        "name": "Mornings", "channel": "C0123ABCD", "at": "09:00",
        "kpis": [{"metric": "frt", "business_hours": True}, "service_level", "csat"]})
    edited = _field(digest_modal(definition, channel_id="C0123ABCD", default_tz="UTC"))
    assert [option["value"] for option in edited["element"]["initial_options"]] == ["frt"]


def test_a_submitted_modal_counts_the_chosen_kpis_in_business_hours():
    view = {"state": {"values": {
        "kpi_digest_name": {"value": {"value": "Mornings"}},
        "kpi_digest_channel": {"value": {"selected_conversation": "C0123ABCD"}},
        "kpi_digest_at": {"value": {"selected_time": "09:00"}},
        "kpi_digest_kpis": {"value": {"selected_options": [{"value": "frt"},
                                                           {"value": "csat"}]}},
        DIGEST_FIELD_BUSINESS_HOURS: {"value": {"selected_options": [{"value": "frt"}]}},
    }}}
    fields, kpis, rules = submitted_digest(view)
    assert rules["business_hours"] == ["frt"]
    definition = definition_from_parts(fields, kpis, **rules)
    assert [(kpi.metric, kpi.business_hours) for kpi in definition.kpis] == [
        ("frt", True), ("csat", False)]
