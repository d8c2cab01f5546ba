"""The frozen blind sets (README.md) as tests — what they measure that the product promises:

- questions.jsonl: at least 97% read as meant, and none answered with a different meaning (a
  refusal or a question back is not a misread, but counts against the 97%);
- thread_replies.jsonl: none misread — no chatter answered, no follow-up answered as something
  else; chatter is never answered (each `{"ignore": true}` reply on its own).
"""

from __future__ import annotations

import pytest

from .scoring import load, score_question, score_reply

QUESTIONS = load("questions.jsonl")
REPLIES = load("thread_replies.jsonl")
CHATTER = [item for item in REPLIES if item["expect"].get("ignore")]
GOAL = 0.97


def test_the_set_is_the_frozen_one():
    assert (len(QUESTIONS), len(REPLIES), len(CHATTER)) == (419, 138, 66)


def test_at_least_97_percent_of_the_questions_are_read_as_meant_and_none_misread():
    outcomes = [score_question(item) for item in QUESTIONS]
    misread = [f"{o.id} {o.text!r}: {o.detail}" for o in outcomes if o.verdict == "misread"]
    right = sum(o.verdict == "right" for o in outcomes)
    assert misread == []
    assert right / len(outcomes) >= GOAL, f"{right} of {len(outcomes)} read as meant"


def test_no_thread_reply_is_misread():
    misread = [f"{o.id} {o.text!r}: {o.detail}" for o in map(score_reply, REPLIES)
               if o.verdict == "misread"]
    assert misread == []


@pytest.mark.parametrize("item", CHATTER, ids=[item["id"] for item in CHATTER])
def test_chatter_in_a_thread_is_left_alone(item):
    outcome = score_reply(item)
    assert outcome.verdict == "right", f"{item['reply']!r} was answered"
