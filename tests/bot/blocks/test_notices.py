"""Apology, access refusals, help and the working placeholder: polite, and never a number."""

from __future__ import annotations

import re

import pytest

from bot.blocks import (
    AccessRefusal,
    access_refusal,
    apology_message,
    help_message,
    ids,
    working_message,
)
from kpi_engine.metrics import METRICS
from kpi_engine.question.draft import EXAMPLE_QUESTIONS

from .slack_limits import assert_valid_message, text_of, texts


@pytest.mark.parametrize("reason", list(AccessRefusal))
def test_every_access_refusal_is_one_or_two_polite_sentences_without_digits(reason):
    message = access_refusal(reason)
    assert_valid_message(message)
    text = text_of(message.blocks, ids.ACCESS_REFUSAL)
    assert text == message.text
    assert not any(ch.isdigit() for ch in text)
    assert text.endswith(".") and 1 <= len(re.findall(r"[.!?](?:\s|$)", text)) <= 2


def test_access_refusals_differ():
    assert len({access_refusal(reason).text for reason in AccessRefusal}) == len(AccessRefusal)


def test_the_apology_names_the_error_id():
    message = apology_message("ab12cd34")
    assert_valid_message(message)
    assert message.text == ("Sorry — something went wrong on my side (error id `ab12cd34`). "
                            "The team can find it in the log.")


def test_help_lists_every_kpi_how_to_ask_and_examples():
    message = help_message()
    assert_valid_message(message)
    kpis = text_of(message.blocks, ids.HELP_KPIS)
    assert all(f"*{metric.label}* (`{metric.id}`)" in kpis for metric in METRICS)
    how = text_of(message.blocks, ids.HELP_HOW_TO_ASK)
    assert all(word in how for word in ("Mention", "direct message", "`/kpi`", "assistant panel"))
    examples = text_of(message.blocks, ids.HELP_EXAMPLES).splitlines()[1:]
    assert 3 <= len(examples) <= 5
    assert examples[0] == f"• “{EXAMPLE_QUESTIONS[0]}”"
    assert message.blocks[0] == {"type": "header", "text": {
        "type": "plain_text", "text": "What I can answer", "emoji": True}}


def test_working_message_is_a_short_placeholder():
    message = working_message()
    assert_valid_message(message)
    assert message.text == "Computing…"
    assert texts(message.blocks) == [":hourglass_flowing_sand: Computing…"]
