"""The frozen blind sets (README.md) as tests: what they measure that the product promises.

- Chatter in a thread kpibot answered is never answered (thread_replies.jsonl, every
  `{"ignore": true}` reply).
"""

from __future__ import annotations

import pytest

from .scoring import load, score_reply

CHATTER = [item for item in load("thread_replies.jsonl") if item["expect"].get("ignore")]


def test_the_set_has_its_chatter():
    assert len(CHATTER) >= 60


@pytest.mark.parametrize("item", CHATTER, ids=[item["id"] for item in CHATTER])
def test_chatter_in_a_thread_is_left_alone(item):
    outcome = score_reply(item)
    assert outcome.verdict == "right", f"{item['reply']!r} was answered"
