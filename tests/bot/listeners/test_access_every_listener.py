"""Access on every surface: every listener registered on the app — read from the app itself, so
a listener added later without a driver here fails `test_every_listener_has_a_driver` — is
driven by a guest and by a person from another organisation (Slack Connect), and neither gets a
figure or a digest's name back, nor changes anything kpibot keeps.

The desk: the Slack tests' tickets, a digest "Tier 1 weekly", a support channel with a
conversation resolved and its survey waiting for its customer. Surveys and support-channel
messages are open to customers by design (a customer is often a guest or external); their own
rule — only the ticket's customer answers, only agents resolve — is what refuses here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
import sqlalchemy as sa
from slack_bolt import App, Assistant

from bot.blocks import ids
from bot.sandbox import signed_requests as slack_requests
from kpi_engine.digests.definitions import DigestDefinition
from kpi_engine.digests.store import DigestStore
from kpi_engine.storage.schema import handled_deliveries, metadata
from tests.bot.conftest import CHANNEL, EXTERNAL, GUEST, MEMBER, SECRET, send, settle
from tests.builders import NOW

from .test_digest_commands import GOOD
from .test_digest_commands import state as digest_form
from .test_feedback import feedback_click
from .test_support_conversations import (  # noqa: F401 (fixtures)
    CUSTOMER,
    HELP,
    OPENED,
    agent_says,
    answers,
    click,
    customer_says,
    react,
    slack_tickets,
    solved,
    support_app,
    the_survey,
    wait_until,
)

STILL_OPEN = "1795342600.000100"  # a second conversation, 10:10, not resolved

DIGEST_NAME = "Tier 1 weekly"
DIGITS = re.compile(r"\d")
SLACK_IDS = re.compile(r"<[@#!][^>]*>")  # mentions and channel links: ids, not figures


def registered_listeners(app: App) -> list[str]:
    """Every listener of the app, as module.qualname of its (ack) function: the app's own and
    those inside the assistant middleware."""
    functions = [listener.ack_function for listener in app._listeners]
    for middleware in app._middleware_list:
        if isinstance(middleware, Assistant):
            for group in ("_thread_started_listeners", "_thread_context_changed_listeners",
                          "_user_message_listeners", "_bot_message_listeners"):
                functions += [listener.ack_function
                              for listener in getattr(middleware, group) or []]
    return sorted({f"{function.__module__}.{function.__qualname__}" for function in functions})


class Desk:
    """The app and what a driver needs: the survey's message and buttons, the digest id."""

    def __init__(self, make: Callable[[], App], slack, db, survey_ts: str, buttons: dict,
                 digest_id: str):
        self.make, self.slack, self.db = make, slack, db
        self.app = make()
        self.survey_ts, self.buttons, self.digest_id = survey_ts, buttons, digest_id

    def fresh(self) -> None:
        """A new app on the same desk (`settle` stops an app's listener threads)."""
        self.app = self.make()

    def event(self, payload: dict):
        return self.interaction(slack_requests.event_callback(payload))

    def interaction(self, payload):
        """Delivered the way `kpibot serve` reads a request: through its edge (bot/edge.py)."""
        body, headers = slack_requests.signed(payload, SECRET)
        return self.app.dispatch(slack_requests.edge_request(body, headers, SECRET))


def _mention(desk, user):
    return desk.event(slack_requests.app_mention(
        "what was FCR last week for tier 1?", user=user, channel=CHANNEL, ts="300.1"))


def _dm(desk, user):
    return desk.event(slack_requests.message("FCR last week", user=user, channel="D1",
                                             ts="301.1"))


def _thread_reply(desk, user):
    """A reply without a mention in a channel thread kpibot answered (by a member first)."""
    return desk.event(slack_requests.message("and tier 2?", user=user, channel=CHANNEL,
                                             ts="302.2", thread_ts="302.1",
                                             channel_type="channel"))


def _thread_why(desk, user):
    """"which team drove that?" in a thread kpibot answered: a why by team."""
    return desk.event(slack_requests.message("which team drove that?", user=user,
                                             channel=CHANNEL, ts="302.3", thread_ts="302.1",
                                             channel_type="channel"))


def _command(text):
    def drive(desk, user):
        return desk.interaction(slack_requests.slash_command(
            text, user=user, channel=CHANNEL, response_url=desk.slack.response_url("c")))
    return drive


def _digest_button(action_id):
    def drive(desk, user):
        return desk.interaction(slack_requests.block_actions(
            user=user, channel=CHANNEL, message_ts="303.1", action_id=action_id,
            value=desk.digest_id, response_url=desk.slack.response_url("b")))
    return drive


def _digest_modal(desk, user):
    """A valid edit of the digest: a member's would be saved."""
    return desk.interaction(slack_requests.view_submission(
        user=user, callback_id=ids.DIGEST_MODAL, values=digest_form(**GOOD),
        private_metadata=json.dumps({"digest_id": desk.digest_id, "channel": CHANNEL})))


def _home(desk, user):
    return desk.event(slack_requests.app_home_opened(user))


def _reaction(kind, reaction):
    def drive(desk, user):
        build = getattr(slack_requests, kind)
        return desk.event(build(user=user, reaction=reaction, channel=HELP, item_ts=STILL_OPEN))
    return drive


def _resolve_shortcut(desk, user):
    return desk.interaction(slack_requests.message_shortcut(
        user=user, channel=HELP, message_ts=STILL_OPEN, callback_id=ids.RESOLVE_SHORTCUT,
        message_user=CUSTOMER, response_url=desk.slack.response_url("s")))


def _survey_click(desk, user):
    button = desk.buttons[(ids.SURVEY_CSAT, 1)]
    return desk.interaction(slack_requests.block_actions(
        user=user, channel=HELP, message_ts=desk.survey_ts, thread_ts=OPENED,
        action_id=button["action_id"], value=button["value"],
        response_url=desk.slack.response_url("v")))


def _survey_comment_button(desk, user):
    return desk.interaction(slack_requests.block_actions(
        user=user, channel=HELP, message_ts=desk.survey_ts, thread_ts=OPENED,
        action_id=ids.SURVEY_COMMENT, value="comment",
        response_url=desk.slack.response_url("w")))


def _survey_comment(desk, user):
    values = {ids.SURVEY_COMMENT_INPUT: {"value": {"type": "plain_text_input",
                                                   "value": "sneaky comment"}}}
    metadata_ = json.dumps({"channel": HELP, "message_ts": desk.survey_ts,
                            "ticket": ["slack", f"{HELP}-{OPENED}"]})
    return desk.interaction(slack_requests.view_submission(
        user=user, callback_id=ids.SURVEY_COMMENT_MODAL, values=values,
        private_metadata=metadata_))


def _unknown_survey_button(desk, user):
    return desk.interaction(slack_requests.block_actions(
        user=user, channel=HELP, message_ts=desk.survey_ts, action_id="kpi_survey_forged",
        value="x", response_url=desk.slack.response_url("u")))


def _messages_tab(desk, user):
    """The agent view: opening the app's Messages tab."""
    return desk.event(slack_requests.app_home_opened(user, tab="messages"))


def _feedback(value):
    """A thumbs up or down on the answer a member got in the desk's thread."""
    def drive(desk, user):
        answer = desk.slack.wait_for("chat.postMessage",
                                     lambda call: call.params.get("thread_ts") == "302.1")
        return desk.interaction(feedback_click(
            user=user, channel=CHANNEL, message_ts=answer.response["ts"], value=value,
            thread_ts="302.1", response_url=desk.slack.response_url("f")))
    return drive


def _assistant_started(desk, user):
    return desk.event(slack_requests.assistant_thread_started(user=user, channel="D2",
                                                              thread_ts="304.1"))


def _assistant_context(desk, user):
    event = slack_requests.assistant_thread_started(user=user, channel="D2", thread_ts="304.1")
    event["type"] = "assistant_thread_context_changed"
    return desk.event(event)


def _assistant_message(desk, user):
    return desk.event(slack_requests.message("CSAT last week", user=user, channel="D2",
                                             ts="304.2", thread_ts="304.1"))


L = "bot.listeners."
DRIVERS: dict[str, list[Callable]] = {
    L + "mentions.register.<locals>.answer_mention": [_mention],
    L + "messages.register.<locals>.answer_message_event": [_dm, _thread_reply, _thread_why],
    L + "command.register.<locals>.acknowledge": [
        _command("what was FCR last week for tier 1?"), _command("help"),
        _command("what was FCR last week for tier 1? payload"),  # read as a command by the edge
        _command("digest list"), _command(f"digest preview {DIGEST_NAME}"),
        _command(f"digest edit {DIGEST_NAME}"), _command(f"digest remove {DIGEST_NAME}"),
        _command("support-channel add team=billing"), _command("support-channel list")],
    L + "digests.register.<locals>.acknowledge_only": [_digest_button(ids.DIGEST_PREVIEW)],
    L + "digests.commands.DigestCommands.edit_button": [_digest_button(ids.DIGEST_EDIT)],
    L + "digests.commands.DigestCommands.remove_button": [_digest_button(ids.DIGEST_REMOVE)],
    L + "digests.commands.DigestCommands.save": [_digest_modal],
    L + "home.register.<locals>.publish_home": [_home],
    L + "support.conversations.SupportListener.on_reaction": [
        _reaction("reaction_added", "white_check_mark"),
        _reaction("reaction_added", "arrow_double_up")],
    L + "support.conversations.SupportListener.on_reaction_removed": [
        _reaction("reaction_removed", "white_check_mark")],
    L + "support.conversations.SupportListener.on_resolve_shortcut": [_resolve_shortcut],
    L + "surveys.clicks.SurveyClicks.on_answer": [_survey_click],
    L + "surveys.clicks.SurveyClicks.on_comment_button": [_survey_comment_button],
    L + "surveys.clicks.SurveyClicks.on_comment": [_survey_comment],
    L + "surveys.clicks.SurveyClicks.on_unknown": [_unknown_survey_button],
    L + "assistant.register.<locals>.greet": [_assistant_started],
    L + "assistant.register.<locals>.ignore_context": [_assistant_context],
    L + "assistant.register.<locals>.answer_in_panel": [_assistant_message],
    L + "assistant.register.<locals>.prompt_in_messages_tab": [_messages_tab],
    L + "feedback.votes.FeedbackVotes.on_vote": [_feedback(ids.FEEDBACK_HELPFUL),
                                                 _feedback(ids.FEEDBACK_UNHELPFUL)],
}


@pytest.fixture
def desk(solved, slack, tickets_db) -> Desk:  # noqa: F811 (the fixture imported above)
    app, survey_ts, buttons = solved
    digest = DigestStore(tickets_db, lambda: NOW).add(DigestDefinition.from_dict({
        "name": DIGEST_NAME, "channel": CHANNEL, "at": "09:00", "tz": "UTC",
        "period": "last week", "where": {"tier": [1]}, "kpis": ["fcr", "resolved"]}))
    # A conversation still open, for reactions and the resolve shortcut
    customer_says(app, "Can't log in since this morning", STILL_OPEN)
    wait_until(lambda: len(slack_tickets(tickets_db)) == 2)
    # A thread kpibot answered, for a reply without a mention
    send(app, slack_requests.event_callback(slack_requests.app_mention(
        "FCR last week", user=MEMBER, channel=CHANNEL, ts="302.1")))
    slack.wait_for("chat.postMessage", lambda call: call.params.get("thread_ts") == "302.1")
    settle(app)
    return Desk(app.make, slack, tickets_db, survey_ts, buttons, digest.id)


def test_every_listener_has_a_driver(desk):
    assert registered_listeners(desk.app) == sorted(DRIVERS), (
        "a listener was added or renamed: give it a driver in DRIVERS, so that guests and "
        "external people are shown to be refused there")


def _kept(db) -> dict:
    """Everything kpibot keeps, but the delivery log every request writes to."""
    with db.connect() as connection:
        return {table.name: sorted(map(tuple, connection.execute(sa.select(table)).all()),
                                   key=repr)
                for table in metadata.sorted_tables if table is not handled_deliveries}


def _texts(node, found: list[str]) -> list[str]:
    """Every text a person could read in a Slack payload: the values of its text fields."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("text", "title", "alt_text", "placeholder") and isinstance(value, str):
                found.append(value)
            else:
                _texts(value, found)
    elif isinstance(node, list):
        for item in node:
            _texts(item, found)
    return found


def _shown(slack, since: int, response) -> str:
    """What a person could read: what Slack was asked to show since call `since`, and the
    acknowledgement's own body."""
    try:
        texts = _texts(json.loads(response.body or "{}"), [])
    except ValueError:
        texts = [response.body]
    for call in slack.calls()[since:]:
        texts += _texts(call.params, [])
    return "\n".join(texts)


@pytest.mark.parametrize("who", [GUEST, EXTERNAL])
@pytest.mark.parametrize("listener", sorted(DRIVERS))
def test_no_listener_gives_a_guest_or_an_external_person_anything(desk, listener, who):
    for drive in DRIVERS[listener]:
        desk.fresh()
        before, since = _kept(desk.db), len(desk.slack.calls())
        response = drive(desk, who)
        assert response.status == 200, response.body
        settle(desk.app)
        shown = _shown(desk.slack, since, response)
        visible = SLACK_IDS.sub("", shown)
        assert not DIGITS.search(visible), f"{listener} showed {who} a figure: {visible[:300]}"
        assert DIGEST_NAME not in shown, f"{listener} showed {who} a digest's name"
        assert "sneaky" not in shown
        assert _kept(desk.db) == before, f"{listener} changed what kpibot keeps for {who}"


@pytest.mark.parametrize("who, word", [(GUEST, "guest"), (EXTERNAL, "organisation")])
def test_a_refused_asker_is_told_why_politely(desk, who, word):
    response = _command("digest list")(desk, who)
    assert word in json.loads(response.body)["text"].lower()
    since = len(desk.slack.calls())
    desk.fresh()
    _mention(desk, who)
    settle(desk.app)
    told = [call for call in desk.slack.calls()[since:] if call.method == "chat.postMessage"]
    assert len(told) == 1 and word in told[0].params["text"].lower()


def test_a_member_still_reaches_every_asking_surface(desk):
    """The gate is not a wall: the same drivers work for a member (spot checks)."""
    response = _command(f"digest preview {DIGEST_NAME}")(desk, MEMBER)
    assert "Working out" in response.body
    settle(desk.app)
    preview = desk.slack.wait_for("response_url", lambda call: DIGEST_NAME in json.dumps(
        call.params))
    assert "75.0%" in json.dumps(preview.params, ensure_ascii=False)
    desk.fresh()
    _command("what was FCR last week for tier 1? payload")(desk, MEMBER)  # through the edge
    settle(desk.app)
    assert "I don't know 'payload'" in json.dumps(desk.slack.calls()[-1].params)


def test_an_external_customer_answers_their_own_survey(support_app, slack, tickets_db):  # noqa: F811
    """Customers in Slack Connect channels are external: the survey is theirs to answer."""
    app = support_app
    customer_says(app, "Where is my refund?", OPENED, user=EXTERNAL)
    agent_says(app, "On its way", "1795341900.000100")
    wait_until(lambda: [row.agent_replies for row in slack_tickets(tickets_db)] == [1])
    react(app)
    post, by_score = the_survey(slack)
    click(app, slack, post.response["ts"], by_score[(ids.SURVEY_CSAT, 5)], user=EXTERNAL)
    settle(app)
    assert answers(tickets_db) == [("csat", 5, None)]
