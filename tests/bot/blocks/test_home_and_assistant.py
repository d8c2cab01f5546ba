"""The App Home view (KPIs, the helpful share, how to ask, digests) and the agent view's
greeting, prompts, loading messages and thread titles."""

from __future__ import annotations

from bot.blocks import (
    ASSISTANT_GREETING,
    DigestSummary,
    home_view,
    ids,
    suggested_prompts,
    thread_title,
)
from bot.blocks.assistant import LOADING_MESSAGES
from bot.blocks.home import NO_DIGESTS, NO_VOTES
from kpi_engine.metrics import METRICS
from kpi_engine.question.draft import EXAMPLE_QUESTIONS
from kpi_engine.question.feedback import HelpfulShare

from .slack_limits import assert_valid_view, text_of, texts

MORNING = DigestSummary(name="Morning pulse", channel_id="C0123",
                        schedule="weekdays at 09:00 Europe/Berlin", kpis=("fcr", "csat"))
WEEKLY = DigestSummary(name="Billing <weekly> & more", channel_id="C0456",
                       schedule="Mondays at 08:30 UTC", kpis=("backlog", "unknown_kpi"))


def test_home_without_digests_says_how_they_arrive():
    view = home_view()
    assert_valid_view(view)
    assert text_of(view["blocks"], ids.HOME_DIGESTS_EMPTY) == (
        "No digests yet — they arrive with `/kpi digest add`.") == NO_DIGESTS
    shown = " ".join(texts(view["blocks"]))
    assert all(metric.label in shown for metric in METRICS)
    assert "`/kpi`" in text_of(view["blocks"], ids.HOME_HOW_TO_ASK)
    assert EXAMPLE_QUESTIONS[0] in text_of(view["blocks"], ids.HOME_EXAMPLES)


def test_home_lists_two_digests_escaped():
    view = home_view([MORNING, WEEKLY])
    assert_valid_view(view)
    blocks = view["blocks"]
    assert text_of(blocks, ids.HOME_DIGEST_PREFIX + "0") == (
        "*Morning pulse* in <#C0123> — weekdays at 09:00 Europe/Berlin\n"
        "First contact resolution · Customer satisfaction (CSAT)")
    assert text_of(blocks, ids.HOME_DIGEST_PREFIX + "1") == (
        "*Billing &lt;weekly&gt; &amp; more* in <#C0456> — Mondays at 08:30 UTC\n"
        "Backlog · unknown_kpi")
    assert not any(b.get("block_id") == ids.HOME_DIGESTS_EMPTY for b in blocks)


def test_home_with_many_digests_stays_within_a_hundred_blocks():
    view = home_view([MORNING] * 500)
    assert_valid_view(view)
    assert len(view["blocks"]) == 100
    assert view["blocks"][-1]["elements"][0]["text"].startswith("… and ")


def test_suggested_prompts_are_at_most_four_example_questions():
    prompts = suggested_prompts()
    assert 1 <= len(prompts) <= 4
    for prompt in prompts:
        assert set(prompt) == {"title", "message"}
        assert prompt["message"] in EXAMPLE_QUESTIONS
        assert 0 < len(prompt["title"]) <= 40 and prompt["title"][0].isupper()
    assert prompts[0]["title"] == "What was FCR last week for tier 1"
    assert "KPI" in ASSISTANT_GREETING


def test_thread_title_is_the_question_on_one_line_trimmed_at_a_word():
    assert thread_title("  what was FCR\nlast week?  ") == "what was FCR last week?"
    long = ("what was the first response time for the billing team on chat and email "
            "last month compared to the month before")
    title = thread_title(long)
    assert title == "what was the first response time for the billing team on…"
    assert len(title) <= 60
    assert thread_title("   ") == "KPI question"


def test_home_shows_how_helpful_people_found_the_answers():
    view = home_view([MORNING], HelpfulShare(helpful=48, votes=57))
    assert_valid_view(view)
    assert text_of(view["blocks"], ids.HOME_FEEDBACK) == (
        "Answers found helpful: 84% of 57 votes in the last 30 days")
    one = home_view([], HelpfulShare(helpful=0, votes=1))
    assert text_of(one["blocks"], ids.HOME_FEEDBACK) == (
        "Answers found helpful: 0% of 1 vote in the last 30 days")
    none = home_view([], HelpfulShare(helpful=0, votes=0))
    assert text_of(none["blocks"], ids.HOME_FEEDBACK) == NO_VOTES
    assert not any(b.get("block_id") == ids.HOME_FEEDBACK for b in home_view()["blocks"])


def test_home_with_the_share_and_many_digests_stays_within_a_hundred_blocks():
    view = home_view([MORNING] * 500, HelpfulShare(helpful=1, votes=2))
    assert_valid_view(view)
    assert len(view["blocks"]) == 100


def test_the_loading_messages_fit_slacks_limit():
    assert 1 <= len(LOADING_MESSAGES) <= 10 and all(LOADING_MESSAGES)
