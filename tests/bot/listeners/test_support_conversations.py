"""A support conversation in Slack, end to end, through the real Bolt app and slack_sdk client
with signed requests: the customer's message opens a ticket, the agent's reply is the first
response, ✅ solves it and posts the survey in the thread, the customer's CSAT and CES clicks
are stored (before they are acknowledged) and counted in `kpibot kpi` for the day; someone
else's click, a repeat, an expired survey, a reopen — and the bad input of the issue.

Times: the conversation opens Sun 22 Nov 2026 10:00:00 UTC (ts 1795341600.000100); the app's
clock (the Slack tests' NOW) is 14:05 that day.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from bot.blocks import ids
from bot.sandbox import signed_requests as slack_requests
from kpi_engine.storage.schema import survey_requests, survey_responses, surveys, tickets
from tests.bot.conftest import SECRET, send, settle
from tests.builders import run_kpibot

UTC = timezone.utc
HELP, LEADS = "CHELP", "CLEADS"
CUSTOMER, AGENT, OTHER = "UCUST", "UAGENT", "UOTHER"
OPENED = "1795341600.000100"  # 2026-11-22 10:00:00.0001 UTC
REPLIED = "1795341900.000100"  # 10:05
T_OPENED = datetime(2026, 11, 22, 10, 0, 0, 100, tzinfo=UTC)
NOW = datetime(2026, 11, 22, 14, 5, tzinfo=UTC)


@pytest.fixture
def support_app(make_app, slack):
    slack.add_user(CUSTOMER, real_name="Cora Customer")
    slack.add_user(AGENT, real_name="Asha Rao")
    slack.add_user(OTHER, real_name="Otto Other")

    def make(**overrides):
        return make_app(**({"agents": AGENT, "survey_cooldown_days": 0,
                            "survey_followup_channel": LEADS} | overrides))

    app = make()
    response = send(app, slack_requests.slash_command(
        "support-channel add team=billing tier=2", user=AGENT, channel=HELP,
        response_url=slack.response_url("sc")))
    assert "support conversations now" in response.body
    app.make = make
    return app


def event(app, payload: dict):
    return send(app, slack_requests.event_callback(payload))


def customer_says(app, text, ts, thread_ts=None, user=CUSTOMER):
    return event(app, slack_requests.message(text, user=user, channel=HELP, ts=ts,
                                             thread_ts=thread_ts, channel_type="channel"))


def agent_says(app, text, ts, thread_ts=OPENED):
    return event(app, slack_requests.message(text, user=AGENT, channel=HELP, ts=ts,
                                             thread_ts=thread_ts, channel_type="channel",
                                             parent_user_id=CUSTOMER))


def wait_until(condition, timeout: float = 5.0) -> None:
    """Events are handled on the app's listener threads: wait for one to have been."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def slack_tickets(db) -> list:
    with db.connect() as connection:
        return connection.execute(sa.select(tickets).where(tickets.c.source == "slack")).all()


def react(app, reaction="white_check_mark", user=AGENT, item_ts=OPENED):
    return event(app, slack_requests.reaction_added(user=user, reaction=reaction, channel=HELP,
                                                    item_ts=item_ts, event_ts="1795345200.000100"))


def ticket(db):
    with db.connect() as connection:
        return connection.execute(sa.select(tickets).where(tickets.c.source == "slack")).one()


def answers(db):
    with db.connect() as connection:
        return sorted(connection.execute(sa.select(survey_responses.c.kind,
                                                   survey_responses.c.score,
                                                   survey_responses.c.comment)).all())


def the_survey(slack):
    """The survey's first post in the conversation's thread, and its buttons by score."""
    post = slack.wait_for("chat.postMessage", lambda call: call.params.get("thread_ts") == OPENED)
    return post, buttons(post.params["blocks"])


def buttons(blocks) -> dict:
    found = {}
    for block in blocks:
        for element in block.get("elements", []):
            if element.get("type") == "button":
                found[(element["action_id"], json.loads(element["value"]).get("s"))] = element
    return found


def click(app, slack, message_ts, button, user=CUSTOMER, value=None, action_id=None):
    payload = slack_requests.block_actions(
        user=user, channel=HELP, message_ts=message_ts, thread_ts=OPENED,
        action_id=action_id or button["action_id"], value=value or button["value"],
        response_url=slack.response_url(f"click-{user}"))
    return send(app, payload)


@pytest.fixture
def solved(support_app, slack, tickets_db):
    """The conversation up to the survey posted in its thread."""
    app = support_app
    customer_says(app, "My invoice shows the wrong VAT number", OPENED)
    slack.add_message(HELP, ts=OPENED, text="My invoice …", user=CUSTOMER)
    agent_says(app, "Fixed — a new invoice is on its way", REPLIED)
    wait_until(lambda: [row.agent_replies for row in slack_tickets(tickets_db)] == [1])
    react(app)
    post, by_score = the_survey(slack)
    return app, post.response["ts"], by_score


def test_a_conversation_from_the_first_message_to_the_survey_answers(solved, slack, tickets_db,
                                                                       capsys, monkeypatch):
    app, survey_ts, by_score = solved
    row = ticket(tickets_db)
    assert (row.id, row.created_at, row.status, row.team, row.tier) == (
        f"{HELP}-{OPENED}", T_OPENED, "solved", "billing", 2)
    assert row.first_response_at == T_OPENED + timedelta(seconds=300)
    assert (row.agent_replies, row.customer_messages, row.agent) == (1, 1, "Asha Rao")
    assert sorted(by_score) == [(ids.SURVEY_CSAT, score) for score in range(1, 6)]

    response = click(app, slack, survey_ts, by_score[(ids.SURVEY_CSAT, 5)])
    assert response.status == 200
    assert answers(tickets_db) == [("csat", 5, None)]  # stored when the click was acknowledged
    updated = slack.wait_for("chat.update", lambda call: call.params["ts"] == survey_ts)
    ces = buttons(updated.params["blocks"])
    assert sorted(ces) == [(ids.SURVEY_CES, score) for score in range(1, 8)]
    assert "made it easy for me to handle my issue" in json.dumps(updated.params["blocks"])

    click(app, slack, survey_ts, ces[(ids.SURVEY_CES, 6)])
    assert answers(tickets_db) == [("ces", 6, None), ("csat", 5, None)]
    thanks = slack.wait_for("chat.update", count=2)
    assert (ids.SURVEY_COMMENT, 0) in buttons(thanks.params["blocks"])
    settle(app)

    url = tickets_db.url.render_as_string(hide_password=False)
    for metric, expected in (("csat", 1.0), ("ces", 6.0), ("survey_response_rate", 1.0)):
        code, out, _ = run_kpibot(capsys, monkeypatch, "kpi", metric, "--period", "today",
                                  "--db", url, "--now", (NOW + timedelta(minutes=1)).isoformat(),
                                  "--json")
        result = json.loads(out)
        assert code == 0 and result["value"] == expected, metric
    assert result["n"] == 2  # both questions were asked: two survey requests, both answered


def test_someone_elses_click_is_refused_and_stores_nothing(solved, slack, tickets_db):
    app, survey_ts, by_score = solved
    click(app, slack, survey_ts, by_score[(ids.SURVEY_CSAT, 1)], user=OTHER)
    note = slack.wait_for("response_url")
    assert note.params["response_type"] == "ephemeral"
    assert f"Only <@{CUSTOMER}> can answer this survey" in note.params["text"]
    settle(app)
    assert answers(tickets_db) == []
    assert slack.calls("chat.update") == []


def test_the_same_click_twice_is_one_answer(solved, slack, tickets_db):
    app, survey_ts, by_score = solved
    for _ in range(2):
        assert click(app, slack, survey_ts, by_score[(ids.SURVEY_CSAT, 4)]).status == 200
    settle(app)
    assert answers(tickets_db) == [("csat", 4, None)]
    with tickets_db.connect() as connection:
        kinds = sorted(connection.execute(sa.select(survey_requests.c.kind)).scalars())
    assert kinds == ["ces", "csat"]  # the CES question asked once


def test_an_expired_survey_changes_nothing_and_closes(solved, slack, tickets_db):
    app, survey_ts, by_score = solved
    later = app.make(now=NOW + timedelta(hours=73))  # the survey closed 72 h after it was sent
    click(later, slack, survey_ts, by_score[(ids.SURVEY_CSAT, 5)])
    closed = slack.wait_for("chat.update")
    assert "This survey has closed" in json.dumps(closed.params["blocks"])
    assert "nothing was recorded" in slack.wait_for("response_url").params["text"]
    settle(later)
    assert answers(tickets_db) == []


def test_a_customer_message_after_the_solve_reopens_the_ticket(solved, tickets_db):
    app = solved[0]
    customer_says(app, "Still wrong, sorry", "1795349000.000100", thread_ts=OPENED)
    settle(app)
    row = ticket(tickets_db)
    assert (row.status, row.reopens, row.solved_at, row.customer_messages) == ("open", 1, None, 2)


def test_edits_deletions_bots_and_other_channels_change_nothing(support_app, slack, tickets_db):
    app = support_app
    customer_says(app, "Help please", OPENED)
    wait_until(lambda: slack_tickets(tickets_db))
    event(app, slack_requests.message_changed(channel=HELP, ts=OPENED, new_text="Help!!",
                                              user=CUSTOMER))
    event(app, slack_requests.message_deleted(channel=HELP, deleted_ts=OPENED))
    event(app, slack_requests.message("beep", user="UROBOT", bot_id="BROBOT", channel=HELP,
                                      ts="1795341700.000100", thread_ts=OPENED,
                                      channel_type="channel"))
    event(app, slack_requests.message("elsewhere", user=CUSTOMER, channel="COTHER",
                                      ts="1795341800.000100", channel_type="channel"))
    agent_says(app, "An agent's own post is not a ticket", "1795341900.000200", thread_ts=None)
    react(app, user=CUSTOMER)  # a customer's ✅ does not resolve
    settle(app)
    row = ticket(tickets_db)
    assert (row.status, row.customer_messages, row.agent_replies) == ("new", 1, 0)
    with tickets_db.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(tickets).where(
            tickets.c.source == "slack")).scalar() == 1


def test_an_escalate_reaction_marks_the_ticket(support_app, slack, tickets_db):
    customer_says(support_app, "Urgent", OPENED)
    wait_until(lambda: slack_tickets(tickets_db))
    react(support_app, reaction="arrow_double_up")
    settle(support_app)
    assert ticket(tickets_db).escalated is True


def test_the_resolve_shortcut_solves_and_asks_and_refuses_non_agents(support_app, slack,
                                                                     tickets_db):
    app = support_app
    customer_says(app, "Where is my refund?", OPENED)
    agent_says(app, "On its way", REPLIED)
    wait_until(lambda: [row.agent_replies for row in slack_tickets(tickets_db)] == [1])
    for user in (CUSTOMER, AGENT):
        send(app, slack_requests.message_shortcut(
            user=user, channel=HELP, message_ts=REPLIED, thread_ts=OPENED,
            callback_id=ids.RESOLVE_SHORTCUT, message_user=AGENT,
            response_url=slack.response_url(f"shortcut-{user}")))
    settle(app)  # the refusal is told beside the acknowledgement, on the app's threads
    notes = [call.params["text"] for call in slack.calls("response_url")]
    assert any("Only support agents can resolve" in note for note in notes), notes
    assert ticket(tickets_db).status == "solved"
    assert slack.wait_for("chat.postMessage", lambda c: c.params.get("thread_ts") == OPENED)


def test_a_low_csat_tells_the_follow_up_channel_with_a_link(solved, slack):
    app, survey_ts, by_score = solved
    click(app, slack, survey_ts, by_score[(ids.SURVEY_CSAT, 2)])
    notice = slack.wait_for("chat.postMessage", lambda c: c.params["channel"] == LEADS)
    text = json.dumps(notice.params["blocks"])
    assert "rated <https://" in text and "2 / 5" in text and "Asha Rao" in text


# ---------------------------------------------------------------------------- bad input


def test_a_forged_or_replayed_click_is_refused(solved, slack, tickets_db):
    app, survey_ts, by_score = solved
    body, headers = slack_requests.signed(slack_requests.block_actions(
        user=CUSTOMER, channel=HELP, message_ts=survey_ts, action_id=ids.SURVEY_CSAT,
        value=by_score[(ids.SURVEY_CSAT, 5)]["value"]), SECRET)
    forged = {**headers, "X-Slack-Signature": "v0=" + "0" * 64}
    assert app.dispatch(slack_requests.bolt_request(body, forged)).status == 401
    old = int(datetime.now(UTC).timestamp()) - 600
    replayed = slack_requests.signed(slack_requests.block_actions(
        user=CUSTOMER, channel=HELP, message_ts=survey_ts, action_id=ids.SURVEY_CSAT,
        value=by_score[(ids.SURVEY_CSAT, 5)]["value"]), SECRET, timestamp=old)
    assert app.dispatch(slack_requests.bolt_request(*replayed)).status == 401
    assert answers(tickets_db) == []


def test_a_click_on_the_survey_of_a_deleted_ticket_stores_nothing(solved, slack, tickets_db):
    app, survey_ts, by_score = solved
    with tickets_db.begin() as connection:
        connection.execute(sa.delete(survey_requests))
        connection.execute(sa.delete(surveys))
        connection.execute(sa.delete(tickets).where(tickets.c.source == "slack"))
    assert click(app, slack, survey_ts, by_score[(ids.SURVEY_CSAT, 5)]).status == 200
    assert "nothing was recorded" in slack.wait_for("response_url").params["text"]
    assert answers(tickets_db) == []


@pytest.mark.parametrize("value", ['{"t":["slack","x"],"s":5}', '{"t":["slack"],"s":5}',
                                   "not json", '{"s":5}'])
def test_a_click_with_a_value_kpibot_did_not_make_stores_nothing(solved, slack, tickets_db,
                                                                 value):
    app, survey_ts, by_score = solved
    click(app, slack, survey_ts, by_score[(ids.SURVEY_CSAT, 5)], value=value)
    assert "nothing was recorded" in slack.wait_for("response_url").params["text"]
    assert answers(tickets_db) == []


def test_a_score_outside_the_scale_stores_nothing(solved, slack, tickets_db):
    app, survey_ts, by_score = solved
    ticket_key = json.loads(by_score[(ids.SURVEY_CSAT, 5)]["value"])["t"]
    click(app, slack, survey_ts, by_score[(ids.SURVEY_CSAT, 5)],
          value=json.dumps({"t": ticket_key, "s": 9}))
    assert "not on this survey's scale" in slack.wait_for("response_url").params["text"]
    assert answers(tickets_db) == []


def test_an_unknown_action_id_is_acknowledged_and_stores_nothing(solved, slack, tickets_db):
    app, survey_ts, by_score = solved
    response = click(app, slack, survey_ts, by_score[(ids.SURVEY_CSAT, 5)],
                     action_id="kpi_survey_bogus")
    assert response.status == 200
    assert "nothing was recorded" in slack.wait_for("response_url").params["text"]
    assert answers(tickets_db) == []


def test_a_comment_of_ten_thousand_characters_is_kept_trimmed(solved, slack, tickets_db):
    app, survey_ts, by_score = solved
    click(app, slack, survey_ts, by_score[(ids.SURVEY_CSAT, 3)])
    metadata = json.dumps({"channel": HELP, "message_ts": survey_ts,
                           "ticket": json.loads(by_score[(ids.SURVEY_CSAT, 3)]["value"])["t"]})
    text = "The agent was kind but slow. " * 345  # 10,005 characters
    response = send(app, slack_requests.view_submission(
        user=CUSTOMER, callback_id=ids.SURVEY_COMMENT_MODAL, private_metadata=metadata,
        values={ids.SURVEY_COMMENT_INPUT: {"value": {"type": "plain_text_input",
                                                     "value": text}}}))
    assert response.status == 200 and response.body == ""
    [(kind, score, comment)] = answers(tickets_db)
    assert (kind, score, len(comment)) == ("csat", 3, 2000)
    assert comment.startswith("The agent was kind but slow.")


def test_a_click_without_a_response_url_is_answered_with_an_ephemeral_message(solved, slack,
                                                                            tickets_db):
    app, survey_ts, by_score = solved
    payload = slack_requests.block_actions(
        user=OTHER, channel=HELP, message_ts=survey_ts, thread_ts=OPENED,
        action_id=ids.SURVEY_CSAT, value=by_score[(ids.SURVEY_CSAT, 2)]["value"])
    started = time.monotonic()
    response = send(app, payload)
    assert response.status == 200 and time.monotonic() - started < 1.0  # acknowledged at once
    told = slack.wait_for("chat.postEphemeral")
    assert told.params["user"] == OTHER and "can answer this survey" in told.params["text"]
    assert answers(tickets_db) == []
