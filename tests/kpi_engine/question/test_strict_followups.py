"""Replies nobody addressed to kpibot (a reply without a mention in a thread it answered): read
strictly, as a follow-up only when every word is read or is a follow-up word ("and", "what
about", "pls"); anything else is people talking and is left alone (NotAFollowUp).

Every follow-up of test_followups.py reads the same strictly; the chatter of the issue and
more like it is never answered, whatever KPI, agent, tag or period words it carries."""

from __future__ import annotations

import pytest

from kpi_engine.errors import NotAFollowUp
from kpi_engine.question.followup import follow_up as strict_capable_follow_up

from .test_followups import BASES, FOLLOW_UPS

CHATTER = [
    "haha 😀", "haha", "I'll ping the billing team", "we had an outage last week",
    "can someone look at the phone queue?", "lol", "thanks!", "ok", "wow", "nice one Asha",
    "Asha is out today", "billing is understaffed this month", "will check with tier 2",
    "let's discuss the csat dip at standup", "congrats team 🎉", "+1", ":+1:",
    "did the email outage affect this?", "who's on call tonight?", "brb", "same here lol",
    "I think the October numbers include the migration", "that's bad", "FCR looks great",
    "can we get tier 1 on a call", "good catch, Sam", "sounds good", "hmm 85%?",
    "the team drove that", "billing drove that", "Asha drove it",
]


@pytest.mark.parametrize("text", CHATTER)
def test_chatter_is_not_a_follow_up(text, read_question, workspace):
    previous = read_question("FCR last week for tier 1", workspace)
    with pytest.raises(NotAFollowUp):
        strict_capable_follow_up(previous, text, workspace, strict=True)


@pytest.mark.parametrize(("base_name", "text", "expected"), FOLLOW_UPS)
def test_every_follow_up_reads_the_same_strictly(base_name, text, expected, read_question,
                                                 workspace_for, expect):
    first, tz, _ = BASES[base_name]
    workspace = workspace_for(tz)
    previous = read_question(first, workspace)
    expect(strict_capable_follow_up(previous, text, workspace, strict=True), **expected)
