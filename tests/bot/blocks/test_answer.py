"""The answer card of a single result: value, n, interval, comparison, "no data", footnotes,
escaping, and refusals. Every expected string is written out by hand."""

from __future__ import annotations

import pytest

from bot.blocks import answer_message, ids, refusal_message, result_message
from kpi_engine.errors import UnknownNameError, UserError
from kpi_engine.metrics import METRICS, get_metric
from kpi_engine.query import Filter
from kpi_engine.question.answers import Answer
from kpi_engine.vocabulary import Dimension

from .results import FCR_DEFINITION, change, csat_result, measurement, result, tier_one_filter
from .slack_limits import assert_valid_message, text_of, texts

LAST_WEEK_WORDS = "last week (Mon 9 Nov – Sun 15 Nov 2026)"


def test_a_significant_rise_of_a_higher_is_better_kpi_is_better():
    message = result_message(result(delta=change(0.702, 1150, 0.029, True), compare=True))
    assert_valid_message(message)
    assert message.text == "First contact resolution, last week: 73.1% (n = 1,204)"
    assert text_of(message.blocks, ids.ANSWER_HEADLINE) == (
        f"*First contact resolution* · {LAST_WEEK_WORDS}\n*73.1%*   n = 1,204 tickets")
    assert text_of(message.blocks, ids.ANSWER_COMPARISON) == (
        "Previous: 70.2% (n = 1,150), the week before (Mon 2 Nov – Sun 8 Nov 2026)\n"
        "Change: +2.9 pts, larger than noise (95%) — *better*")
    assert not message.attach_csv


def test_a_significant_rise_of_a_lower_is_better_kpi_is_worse():
    message = result_message(result("frt", 4320.0, 880, delta=change(4070.0, 900, 250.0, True),
                                    compare=True))
    assert "*1 h 12 min*   n = 880 tickets" in text_of(message.blocks, ids.ANSWER_HEADLINE)
    assert text_of(message.blocks, ids.ANSWER_COMPARISON).endswith(
        "Change: +4 min 10 s, larger than noise (95%) — *worse*")


def test_a_change_within_noise_says_so_and_takes_no_side():
    message = result_message(result(delta=change(0.726, 1180, 0.005, False), compare=True))
    comparison = text_of(message.blocks, ids.ANSWER_COMPARISON)
    assert comparison.endswith("Change: +0.5 pts, within noise")
    assert "better" not in comparison and "worse" not in comparison


def test_a_volume_has_no_better_or_worse():
    message = result_message(result("ticket_volume", 1204, 1204,
                                    delta=change(1171, 1171, 33, True), compare=True))
    comparison = text_of(message.blocks, ids.ANSWER_COMPARISON)
    assert comparison.endswith("Change: +33, larger than noise (95%)")
    assert "better" not in comparison and "worse" not in comparison


def test_a_survey_rate_shows_its_interval_and_responses():
    message = result_message(csat_result())
    assert_valid_message(message)
    assert text_of(message.blocks, ids.ANSWER_HEADLINE) == (
        f"*Customer satisfaction (CSAT)* · {LAST_WEEK_WORDS}\n"
        "*87.0%*   n = 312 responses   95% CI 82.8% – 90.3%\nmean score: 4.41 / 5")


def test_percentiles_follow_the_value():
    current = measurement(4320.0, 880, percentiles=(("median", 3120.0), ("p90", 11400.0)))
    message = result_message(result("frt", current=current, percentiles=True))
    assert text_of(message.blocks, ids.ANSWER_HEADLINE).endswith(
        "*1 h 12 min*   n = 880 tickets\nmedian 52 min · p90 3 h 10 min")


def test_no_tickets_is_no_data_never_a_zero():
    message = result_message(result(value=0.0, n=0))
    assert_valid_message(message)
    assert text_of(message.blocks, ids.ANSWER_HEADLINE) == (
        f"*First contact resolution* · {LAST_WEEK_WORDS}\n*no data* (0 tickets in this period)")
    assert message.text == "First contact resolution, last week: no data (n = 0)"
    assert "0.0%" not in " ".join(texts(message.blocks))


def test_assumptions_and_notes_are_shown_and_the_definition_comes_last():
    """Last of what the answer says; only the thumbs up and down come after it."""
    message = result_message(result(assumptions=("no period given: last 7 days",),
                                    notes=("3 tickets have no team",)))
    assert_valid_message(message)
    assert text_of(message.blocks, ids.ANSWER_ASSUMPTIONS) == (
        "Assumed: no period given: last 7 days")
    assert text_of(message.blocks, ids.ANSWER_NOTES) == "Note: 3 tickets have no team"
    assert message.blocks[-1]["type"] == "context_actions"
    last = result_message(result(assumptions=("no period given: last 7 days",),
                                 notes=("3 tickets have no team",)), feedback=False).blocks[-1]
    assert last["type"] == "context" and last["block_id"] == ids.ANSWER_DEFINITION
    assert last["elements"][0]["text"] == f"How computed: {FCR_DEFINITION}"


def test_filters_are_named():
    message = result_message(result(filters=tier_one_filter()))
    assert text_of(message.blocks, ids.ANSWER_HEADLINE).endswith("\nFilters: tier 1")
    assert message.text == "First contact resolution (tier 1), last week: 73.1% (n = 1,204)"


def test_data_and_words_from_people_are_escaped():
    filters = (Filter(dimension=Dimension.TEAM, values=("<script>&",)),)
    message = result_message(result(filters=filters, assumptions=("team <!channel>",)))
    assert text_of(message.blocks, ids.ANSWER_HEADLINE).endswith(
        "\nFilters: team &lt;script&gt;&amp;")
    assert text_of(message.blocks, ids.ANSWER_ASSUMPTIONS) == "Assumed: team &lt;!channel&gt;"
    assert "<script>" not in " ".join(texts(message.blocks))


def test_a_refusal_gives_the_reason_and_what_to_try_and_no_number():
    error = UnknownNameError("there is no KPI called 'happiness'", ["csat", "nps"])
    message = refusal_message(error, "how is <happiness> & joy?")
    assert_valid_message(message)
    assert text_of(message.blocks, ids.REFUSAL) == (
        "I can't answer that: there is no KPI called 'happiness'")
    assert text_of(message.blocks, ids.REFUSAL_SUGGESTIONS) == "Try:\n• csat\n• nps"
    assert text_of(message.blocks, ids.REFUSAL_QUESTION) == (
        "You asked: “how is &lt;happiness&gt; &amp; joy?”")
    assert message.text == "Can't answer: there is no KPI called 'happiness'"
    assert not any(ch.isdigit() for ch in " ".join(texts(message.blocks)))


def test_a_refusal_without_suggestions_points_to_help():
    message = refusal_message(UserError("that is not a question about support"), "hi")
    assert_valid_message(message)
    assert text_of(message.blocks, ids.REFUSAL_SUGGESTIONS) == (
        "Say `help` to see what I can answer.")


def test_answer_message_shows_the_result_or_the_refusal():
    refused = Answer(question="what?", refusal=UserError("say which KPI", ["fcr last week"]))
    assert answer_message(refused).blocks[0]["block_id"] == ids.REFUSAL
    answered = Answer(question="fcr last week", result=result())
    assert answer_message(answered).blocks[0]["block_id"] == ids.ANSWER_HEADLINE


@pytest.mark.parametrize("metric", [metric.id for metric in METRICS])
def test_every_kpi_builds_a_valid_card_with_its_definition(metric):
    compared = result(metric, 0.5, 10, delta=change(0.4, 12, 0.1, None), compare=True,
                      definition=get_metric(metric).definition)
    message = result_message(compared)
    assert_valid_message(message)
    assert text_of(message.blocks, ids.ANSWER_DEFINITION).startswith("How computed: ")
    assert message.blocks[-1]["block_id"] == ids.ANSWER_FEEDBACK  # the thumbs, last
