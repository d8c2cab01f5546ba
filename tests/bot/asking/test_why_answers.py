"""A why in Slack, through the real Bolt app and slack_sdk client against the Slack double: the
short answer (the change, the top segments with their rate and mix effects and `n`, one line for
the rest), the chart of the contributions uploaded in the thread, agents left out for someone
outside the leads' group, "why?" as a follow-up — and a clear sentence, never a made-up driver,
when there is nothing to explain.

The desk of tests/bot/conftest.py, every ticket in team general, on chat, priority normal, no
tags. "why did FCR drop last week?": the week before p1 (Asha) and p2 (Ben), both tier 1 and
FCR → 2/2 = 100.0%; last week s1, s2, s4 FCR and s3 not (tier 1: 3/4), s5 FCR and s6 reopened
(tier 2: 1/2) → 4/6 = 66.7%; the change −33.3 pts, within noise (n = 2 and 6). R̄ = 5/6.

    by tier:  tier 1  shares 1 → 2/3, 100% → 75%: rate (5/6)·(−25 pts) = −20.8 pts,
                      mix (87.5% − 83.3%)·(−1/3) = −1.4 pts; contribution −22.2 pts
              tier 2  new (share 0 → 1/3, 50%): mix (50% − 83.3%)·(1/3) = −11.1 pts
    by agent: Ben     shares 1/2 → 1/3, 100% → 0%: rate (5/12)·(−100 pts) = −41.7 pts,
                      mix (50% − 83.3%)·(−1/6) = +5.6 pts; contribution −36.1 pts
              Chen    new (0 → 1/6, 100%): mix (100% − 83.3%)·(1/6) = +2.8 pts
              Asha    1/2 → 1/2, 100% → 100%: 0
    team, channel and priority have one value each: not split; no ticket has a tag.
"""

from __future__ import annotations

from bot.sandbox import signed_requests as slack_requests
from tests.bot.conftest import CHANNEL, LEAD, MEMBER, posted_text, send

WHY = "why did FCR drop last week?"


def _mention(app, text, *, ts, thread_ts=None, user=MEMBER):
    event = slack_requests.app_mention(text, user=user, channel=CHANNEL, ts=ts,
                                       thread_ts=thread_ts)
    return send(app, slack_requests.event_callback(event))


def _in_thread(thread_ts):
    return lambda call: call.params.get("thread_ts") == thread_ts


def test_a_why_answers_with_the_change_the_top_segments_and_the_rest(make_app, slack):
    app = make_app(leads_usergroup="SLEADS")  # MEMBER is not a lead: no per-agent figures
    _mention(app, WHY, ts="800.1")
    text = posted_text(slack.wait_for("chat.postMessage", _in_thread("800.1")))
    assert "fell 33.3 pts (100.0% → 66.7%, within noise), last week against the week before" \
        in text
    assert "*tier 1* −22.2 pts" in text
    assert "(rate −20.8 pts)" in text and "(mix −1.4 pts)" in text and "n = 4 tickets" in text
    assert "*tier 2* −11.1 pts" in text and "(mix −11.1 pts)" in text
    assert "No segment stands out" in text and "driver" not in text.split("How computed")[0] \
        .replace("No segment stands out", "")
    assert "not split by agent: per-agent figures are for the leads' group" in text
    assert "Ben Okafor" not in text and "Chen Wei" not in text
    assert "Not split by team: every ticket has team general" in text


def test_a_lead_sees_the_agents_and_the_largest_contribution_first(make_app, slack):
    app = make_app(leads_usergroup="SLEADS")
    _mention(app, WHY, ts="810.1", user=LEAD)
    text = posted_text(slack.wait_for("chat.postMessage", _in_thread("810.1")))
    assert "*By agent*" in text
    assert "*Ben Okafor* −36.1 pts" in text
    assert "(rate −41.7 pts)" in text and "(mix +5.6 pts)" in text
    assert text.index("Ben Okafor") < text.index("Chen Wei")


def test_the_chart_of_the_contributions_is_uploaded_in_the_thread(app, slack):
    _mention(app, WHY, ts="820.1")
    answer = slack.wait_for("chat.postMessage", _in_thread("820.1"))
    slack.wait_for("files.completeUploadExternal")
    [upload] = slack.uploads.values()
    assert upload.filename == "why-fcr-last-week.png"
    assert upload.content.startswith(b"\x89PNG")
    assert (upload.channel_id, upload.thread_ts) == (CHANNEL, "820.1")
    assert upload.completed and answer.params["channel"] == CHANNEL


def test_why_after_a_comparison_in_the_thread_explains_it(app, slack):
    _mention(app, "FCR last week vs the week before", ts="830.1")
    compared = posted_text(slack.wait_for("chat.postMessage", _in_thread("830.1")))
    assert "66.7%" in compared
    reply = slack_requests.message("why?", user=MEMBER, channel=CHANNEL, ts="830.2",
                                   thread_ts="830.1", channel_type="channel")
    send(app, slack_requests.event_callback(reply))
    why = posted_text(slack.wait_for("chat.postMessage", _in_thread("830.1"), count=2))
    assert "fell 33.3 pts (100.0% → 66.7%, within noise)" in why
    assert "*Ben Okafor* −36.1 pts" in why  # no leads' group: everyone sees the agents


def test_why_with_no_comparison_above_says_there_is_no_change_to_explain(app, slack):
    _mention(app, "what was FCR last week for tier 1?", ts="840.1")
    slack.wait_for("chat.postMessage", _in_thread("840.1"))
    _mention(app, "why?", ts="840.2", thread_ts="840.1")
    text = posted_text(slack.wait_for("chat.postMessage", _in_thread("840.1"), count=2))
    assert "there is no change to explain" in text and "without comparing it" in text
    assert "driver" not in text


def test_why_with_nothing_asked_before_asks_for_the_kpi(app, slack):
    _mention(app, "why?", ts="850.1")
    text = posted_text(slack.wait_for("chat.postMessage", _in_thread("850.1")))
    assert "why did what change? Name the KPI" in text
    assert "driver" not in text


def test_no_change_is_said_in_one_sentence_and_nothing_is_charted(app, slack):
    # tier 1 resolution time: every solved ticket took 3 hours in both weeks — no change
    _mention(app, "why did resolution time rise last week for tier 1?", ts="860.1")
    text = posted_text(slack.wait_for("chat.postMessage", _in_thread("860.1")))
    assert "resolution time did not change (3 h in last week and in the week before): " \
           "nothing to explain" in text.lower()
    assert "driver" not in text.lower().split("how computed")[0]
    assert slack.uploads == {}
