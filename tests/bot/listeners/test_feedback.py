"""Thumbs up and down on every answer, through the real Bolt app and slack_sdk client against the
Slack double: the answer carries a feedback_buttons element; a click is stored — with the
question, its reading, the answer's message and who clicked — before it is acknowledged; a
second click replaces the first; each person has one vote; the voter is thanked privately (and
after a thumbs down, told where to say what was wrong); a click on an answer kpibot does not
keep stores nothing and says so. Then `kpibot feedback list` and App Home's helpful share.
(Guests and external people are refused: tests/bot/listeners/test_access_every_listener.py.)"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlencode

import pytest
import sqlalchemy as sa

from bot.blocks import ids
from bot.listeners.feedback.votes import NO_SUCH_ANSWER
from bot.sandbox import signed_requests as slack_requests
from kpi_engine.question.conversations import query_from_state
from kpi_engine.storage.schema import answer_feedback, answers
from tests.bot.conftest import CHANNEL, LEAD, MEMBER, send, settle
from tests.builders import run_kpibot

QUESTION = "what was FCR last week for tier 1?"


def feedback_click(*, user: str, channel: str, message_ts: str, value: str,
                   response_url: str | None = None, thread_ts: str | None = None):
    """A click on an answer's thumbs: block_actions whose action is the feedback_buttons
    element (type "feedback_buttons", the clicked button's value and text)."""
    body, content_type = slack_requests.block_actions(
        user=user, channel=channel, message_ts=message_ts, action_id=ids.FEEDBACK_ACTION,
        value=value, block_id=ids.ANSWER_FEEDBACK, thread_ts=thread_ts,
        response_url=response_url)
    payload = json.loads(dict(parse_qsl(body))["payload"])
    emoji = "👍" if value == ids.FEEDBACK_HELPFUL else "👎"
    payload["actions"][0].update(type="feedback_buttons",
                                 text={"type": "plain_text", "text": emoji, "emoji": True})
    return urlencode({"payload": json.dumps(payload)}), content_type


@pytest.fixture
def answered(app, slack):
    """A member's question answered in its thread: (the app, the answer's ts)."""
    send(app, slack_requests.event_callback(slack_requests.app_mention(
        QUESTION, user=MEMBER, channel=CHANNEL, ts="800.1")))
    answer = slack.wait_for("chat.postMessage", lambda c: c.params.get("thread_ts") == "800.1")
    settle(app)  # the answer recorded for feedback
    return answer


def vote(make_app, slack, ts, value, *, user=MEMBER, url="v"):
    app = make_app()
    response = send(app, feedback_click(user=user, channel=CHANNEL, message_ts=ts, value=value,
                                        thread_ts="800.1", response_url=slack.response_url(url)))
    return app, response


def kept(db, table) -> list:
    with db.connect() as connection:
        return connection.execute(sa.select(table)).all()


def test_every_answer_carries_thumbs_up_and_down(answered):
    feedback = answered.params["blocks"][-1]
    assert feedback["type"] == "context_actions" and feedback["block_id"] == ids.ANSWER_FEEDBACK
    [buttons] = feedback["elements"]
    assert buttons["type"] == "feedback_buttons"
    assert buttons["action_id"] == ids.FEEDBACK_ACTION
    assert (buttons["positive_button"]["value"], buttons["negative_button"]["value"]) == (
        ids.FEEDBACK_HELPFUL, ids.FEEDBACK_UNHELPFUL)


def test_a_vote_is_stored_with_the_question_its_reading_and_who_before_the_ack(
        answered, make_app, slack, tickets_db):
    ts = answered.response["ts"]
    app, response = vote(make_app, slack, ts, ids.FEEDBACK_HELPFUL)
    assert response.status == 200
    # Stored by the time the acknowledgement returns
    assert [(r.channel_id, r.message_id, r.voter, r.helpful) for r in
            kept(tickets_db, answer_feedback)] == [(CHANNEL, ts, MEMBER, True)]
    [answer] = kept(tickets_db, answers)
    assert (answer.channel_id, answer.message_id, answer.question, answer.asked_by) == (
        CHANNEL, ts, QUESTION, MEMBER)
    reading = query_from_state(answer.reading)
    assert reading.metric == "fcr" and [f.values for f in reading.filters] == [("1",)]
    settle(app)
    note = slack.wait_for("response_url")
    assert note.params["response_type"] == "ephemeral" and not note.params["replace_original"]
    assert note.params["text"] == "Thanks — noted."


def test_a_second_click_replaces_the_first_and_a_thumbs_down_says_where_to_explain(
        answered, make_app, slack, tickets_db):
    ts = answered.response["ts"]
    settle(vote(make_app, slack, ts, ids.FEEDBACK_HELPFUL, url="first")[0])
    app, _ = vote(make_app, slack, ts, ids.FEEDBACK_UNHELPFUL, url="second")
    assert [(r.voter, r.helpful) for r in kept(tickets_db, answer_feedback)] == [
        (MEMBER, False)]
    settle(app)
    note = slack.wait_for("response_url", lambda c: c.path.endswith("/second"))
    permalink = slack.wait_for("chat.getPermalink").response["permalink"]
    assert note.params["text"] == (
        f"Thanks — noted. If you like, <{permalink}|say what was wrong in the answer's thread>.")


def test_each_person_has_a_vote_of_their_own(answered, make_app, slack, tickets_db):
    ts = answered.response["ts"]
    slack.add_user("U2", real_name="Bo Member")
    for user, value in ((MEMBER, ids.FEEDBACK_HELPFUL), (LEAD, ids.FEEDBACK_UNHELPFUL),
                        ("U2", ids.FEEDBACK_HELPFUL)):
        settle(vote(make_app, slack, ts, value, user=user, url=user)[0])
    assert sorted((r.voter, r.helpful) for r in kept(tickets_db, answer_feedback)) == [
        ("U1", True), ("U2", True), ("ULEAD", False)]


def test_a_click_on_an_answer_kpibot_does_not_keep_stores_nothing(app, slack, tickets_db):
    response = send(app, feedback_click(user=MEMBER, channel=CHANNEL, message_ts="999.9",
                                        value=ids.FEEDBACK_HELPFUL,
                                        response_url=slack.response_url("gone")))
    assert response.status == 200
    settle(app)
    assert kept(tickets_db, answer_feedback) == []
    note = slack.wait_for("response_url")
    assert note.params["text"] == NO_SUCH_ANSWER
    assert note.params["response_type"] == "ephemeral"


def test_a_value_kpibot_did_not_make_stores_nothing(answered, make_app, slack, tickets_db):
    app, response = vote(make_app, slack, answered.response["ts"], "forged")
    assert response.status == 200
    settle(app)
    assert kept(tickets_db, answer_feedback) == []
    assert slack.wait_for("response_url").params["text"] == NO_SUCH_ANSWER


def test_a_vote_that_cannot_be_saved_is_acknowledged_and_the_voter_told(
        answered, make_app, slack, monkeypatch):
    from kpi_engine.question.feedback import FeedbackStore

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(FeedbackStore, "vote", broken)
    app, response = vote(make_app, slack, answered.response["ts"], ids.FEEDBACK_HELPFUL)
    assert response.status == 200
    settle(app)
    text = slack.wait_for("response_url").params["text"]
    assert text.startswith("Sorry — your vote could not be saved (error id ")


def test_feedback_list_shows_what_people_said(answered, make_app, slack, tickets_db,
                                             capsys, monkeypatch):
    ts = answered.response["ts"]
    settle(vote(make_app, slack, ts, ids.FEEDBACK_HELPFUL, user=MEMBER, url="a")[0])
    settle(vote(make_app, slack, ts, ids.FEEDBACK_UNHELPFUL, user=LEAD, url="b")[0])
    url = tickets_db.url.render_as_string(hide_password=False)
    common = ("--db", url, "--tz", "UTC", "--now", "2026-11-22T14:05:00+00:00")

    code, out, _ = run_kpibot(capsys, monkeypatch, "feedback", "list", "--json", *common)
    assert code == 0
    listed = json.loads(out)
    assert {(v["voter"], v["vote"], v["helpful"]) for v in listed} == {
        (MEMBER, "up", True), (LEAD, "down", False)}
    for entry in listed:
        assert entry["question"] == QUESTION
        assert entry["reading"] == ("First contact resolution · last week · tier 1")
        assert (entry["channel"], entry["message_ts"], entry["asked_by"]) == (CHANNEL, ts, MEMBER)
        assert entry["voted_at"].startswith("2026-11-22T14:05:00")

    code, out, _ = run_kpibot(capsys, monkeypatch, "feedback", "list", "--down", *common)
    assert code == 0
    assert out.splitlines() == [
        f"2026-11-22 14:05  down  {LEAD}  “{QUESTION}”",
        "    read as: First contact resolution · last week · tier 1",
    ]
    code, out, _ = run_kpibot(capsys, monkeypatch, "feedback", "list", "--since",
                              "2026-11-23", *common)
    assert (code, out) == (0, "no feedback on answers since 2026-11-23 yet\n")
    code, out, _ = run_kpibot(capsys, monkeypatch, "feedback", "list", "--since",
                              "last 7 days", "--json", *common)
    assert len(json.loads(out)) == 2
    code, out, err = run_kpibot(capsys, monkeypatch, "feedback", "list", "--since", "whenever",
                                *common)
    assert code == 1 and "--since 'whenever' is not a date, a time or a period" in err


def test_app_home_shows_the_helpful_share(answered, make_app, slack):
    ts = answered.response["ts"]
    settle(vote(make_app, slack, ts, ids.FEEDBACK_HELPFUL, user=MEMBER, url="a")[0])
    settle(vote(make_app, slack, ts, ids.FEEDBACK_UNHELPFUL, user=LEAD, url="b")[0])
    app = make_app()
    send(app, slack_requests.event_callback(slack_requests.app_home_opened(MEMBER)))
    view = slack.wait_for("views.publish").params["view"]
    [line] = [b for b in view["blocks"] if b.get("block_id") == ids.HOME_FEEDBACK]
    assert line["elements"][0]["text"] == (
        "Answers found helpful: 50% of 2 votes in the last 30 days")
