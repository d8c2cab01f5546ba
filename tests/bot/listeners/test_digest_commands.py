"""Managing digests from Slack through the real Bolt app: `/kpi digest add` opens the modal, a
submission is stored or answered with its problems beside the inputs, the list with its
buttons, an ephemeral preview that posts nothing, removal, App Home, and who may do it.

The desk is conftest.py's: tier 1 last week (Mon 9 – Sun 15 Nov) has FCR 3/4 = 75.0%.
"""

from __future__ import annotations

import json

import pytest

from bot.blocks import ids
from bot.blocks.digest_admin import VALUE
from bot.sandbox import signed_requests as slack_requests
from kpi_engine.digests.definitions import DigestDefinition
from kpi_engine.digests.store import DigestStore
from tests.bot.conftest import CHANNEL, GUEST, MEMBER, send, settle
from tests.builders import NOW

DIGEST = DigestDefinition.from_dict({
    "name": "Tier 1 weekly", "channel": CHANNEL, "at": "09:00", "tz": "UTC",
    "period": "last week", "where": {"tier": [1]},
    "kpis": [{"metric": "fcr", "target": ">= 80%"}, "resolved"]})


@pytest.fixture
def store(tickets_db):
    return DigestStore(tickets_db, lambda: NOW)


def command(app, slack, text, user=MEMBER):
    payload = slack_requests.slash_command(text, user=user, channel=CHANNEL,
                                           response_url=slack.response_url("digest"))
    return send(app, payload)


def ack_blocks(response) -> str:
    return json.dumps(json.loads(response.body)["blocks"], ensure_ascii=False)


def state(**fields) -> dict:
    """`view.state.values` as Slack sends them, from the modal's fields."""
    element = {
        "name": lambda v: (ids.DIGEST_FIELD_NAME, {"type": "plain_text_input", "value": v}),
        "channel": lambda v: (ids.DIGEST_FIELD_CHANNEL,
                              {"type": "conversations_select", "selected_conversation": v}),
        "at": lambda v: (ids.DIGEST_FIELD_AT, {"type": "timepicker", "selected_time": v}),
        "tz": lambda v: (ids.DIGEST_FIELD_TZ, {"type": "plain_text_input", "value": v}),
        "days": lambda v: (ids.DIGEST_FIELD_DAYS, {"type": "plain_text_input", "value": v}),
        "period": lambda v: (ids.DIGEST_FIELD_PERIOD,
                             {"type": "static_select", "selected_option": {"value": v}}),
        "kpis": lambda v: (ids.DIGEST_FIELD_KPIS, {"type": "multi_static_select",
                                                   "selected_options": [{"value": k} for k in v]}),
        "where": lambda v: (ids.DIGEST_FIELD_WHERE, {"type": "plain_text_input", "value": v}),
        "targets": lambda v: (ids.DIGEST_FIELD_TARGETS, {"type": "plain_text_input", "value": v}),
        "thresholds": lambda v: (ids.DIGEST_FIELD_THRESHOLDS,
                                 {"type": "plain_text_input", "value": v}),
        "change_alerts": lambda v: (ids.DIGEST_FIELD_CHANGE_ALERTS,
                                    {"type": "plain_text_input", "value": v}),
    }
    values = {}
    for name, value in fields.items():
        block_id, data = element[name](value)
        values[block_id] = {VALUE: data}
    return values


def submit(app, values, metadata=None, user=MEMBER):
    payload = slack_requests.view_submission(
        user=user, callback_id=ids.DIGEST_MODAL, values=values,
        private_metadata=json.dumps(metadata or {"digest_id": None, "channel": CHANNEL}))
    return send(app, payload)


GOOD = dict(name="Tier 1 morning", channel="C777", at="08:30", tz="Europe/Berlin",
            days="weekdays", period="yesterday", kpis=["fcr", "csat"], where="tier=1",
            targets="fcr >= 75%\ncsat >= 80%", thresholds="fcr >= 60%",
            change_alerts="csat: 10pts")


def test_digest_add_opens_the_modal_with_the_name_and_this_channel(app, slack):
    response = command(app, slack, "digest add Morning pulse")
    assert response.status == 200
    opened = slack.wait_for("views.open")
    view = json.loads(opened.params["view"]) if isinstance(opened.params["view"], str) \
        else opened.params["view"]
    assert view["callback_id"] == ids.DIGEST_MODAL
    blocks = {block["block_id"]: block["element"] for block in view["blocks"]}
    assert blocks[ids.DIGEST_FIELD_NAME]["initial_value"] == "Morning pulse"
    assert blocks[ids.DIGEST_FIELD_CHANNEL]["initial_conversation"] == CHANNEL
    assert opened.params["trigger_id"]


def test_a_good_submission_is_stored_and_confirmed(app, slack, store):
    response = submit(app, state(**GOOD))
    assert response.status == 200 and response.body == ""
    saved = store.get("tier 1 morning")
    assert (saved.channel_id, saved.tz, saved.at.strftime("%H:%M")) == ("C777", "Europe/Berlin",
                                                                         "08:30")
    fcr, csat = saved.kpis
    assert fcr.target.value == 0.75 and fcr.threshold.value == 0.60
    assert csat.change_alert.amount == pytest.approx(0.10)
    confirmation = slack.wait_for("chat.postEphemeral")
    assert confirmation.params["user"] == MEMBER
    assert "Saved the digest" in confirmation.params["text"]


def test_a_bad_submission_gets_its_problems_beside_the_inputs_and_stores_nothing(app, store):
    bad = GOOD | dict(tz="Mars/Olympus", targets="frt <= 1h", at="")
    response = submit(app, state(**bad))
    body = json.loads(response.body)
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {ids.DIGEST_FIELD_TZ, ids.DIGEST_FIELD_TARGETS,
                                   ids.DIGEST_FIELD_AT}
    assert "unknown time zone" in body["errors"][ids.DIGEST_FIELD_TZ]
    assert "not among the KPIs" in body["errors"][ids.DIGEST_FIELD_TARGETS]
    assert store.all() == []


def test_editing_keeps_the_digest_and_saves_the_changes(app, slack, store):
    stored = store.add(DIGEST)
    response = submit(app, state(**GOOD | {"name": "Tier 1 weekly", "at": "10:00"}),
                      metadata={"digest_id": stored.id, "channel": CHANNEL})
    assert response.body == ""
    edited = store.by_id(stored.id)
    assert edited.at.strftime("%H:%M") == "10:00" and len(store.all()) == 1


def test_the_list_shows_each_digest_with_preview_edit_and_remove(app, slack, store):
    stored = store.add(DIGEST)
    response = command(app, slack, "digest list")
    listed = json.loads(response.body)
    assert listed["response_type"] == "ephemeral"
    text = ack_blocks(response)
    assert "Tier 1 weekly" in text and "every day at 09:00 UTC" in text
    buttons = [element for block in listed["blocks"] if block["type"] == "actions"
               for element in block["elements"]]
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        (ids.DIGEST_PREVIEW, stored.id), (ids.DIGEST_EDIT, stored.id),
        (ids.DIGEST_REMOVE, stored.id)]
    assert "confirm" in buttons[2]


def test_a_preview_is_shown_to_the_asker_only_and_posts_nothing(app, slack, store):
    store.add(DIGEST)
    response = command(app, slack, "digest preview tier 1 weekly")
    assert "Working out" in ack_blocks(response)
    shown = slack.wait_for("response_url")
    assert shown.params["response_type"] == "ephemeral"
    text = json.dumps(shown.params["blocks"], ensure_ascii=False)
    assert "75.0% · n = 4 tickets — target ≥ 80%: missed" in text
    assert "nothing was posted" in text
    settle(app)
    assert slack.calls("chat.postMessage") == []


def test_the_preview_button_shows_it_too(app, slack, store):
    stored = store.add(DIGEST)
    payload = slack_requests.block_actions(user=MEMBER, channel=CHANNEL, message_ts="1.1",
                                           action_id=ids.DIGEST_PREVIEW, value=stored.id,
                                           response_url=slack.response_url("list"))
    assert send(app, payload).status == 200
    assert "75.0%" in json.dumps(slack.wait_for("response_url").params["blocks"])


def test_remove_by_command_and_by_button(app, slack, store):
    store.add(DIGEST)
    assert "Removed the digest" in ack_blocks(command(app, slack, "digest remove Tier 1 weekly"))
    assert store.all() == []
    again = store.add(DIGEST)
    payload = slack_requests.block_actions(user=MEMBER, channel=CHANNEL, message_ts="1.1",
                                           action_id=ids.DIGEST_REMOVE, value=again.id,
                                           response_url=slack.response_url("list"))
    send(app, payload)
    assert "Removed the digest" in slack.wait_for("response_url").params["text"]
    assert store.all() == []


def test_an_unknown_digest_is_answered_with_the_nearest_name(app, slack, store):
    store.add(DIGEST)
    text = ack_blocks(command(app, slack, "digest edit Tier 1 weakly"))
    assert "there is no digest called" in text and "Tier 1 weekly" in text
    assert slack.calls("views.open") == []


def test_a_guest_cannot_manage_digests(app, slack, store):
    response = command(app, slack, "digest list", user=GUEST)
    assert "members of this workspace" in ack_blocks(response)
    command(app, slack, "digest add Sneaky", user=GUEST)
    assert slack.calls("views.open") == []


def test_app_home_lists_the_digests(app, slack, store):
    store.add(DIGEST)
    send(app, slack_requests.event_callback(slack_requests.app_home_opened(MEMBER)))
    published = slack.wait_for("views.publish")
    assert "Tier 1 weekly" in json.dumps(published.params["view"])


def test_digest_help_for_an_unknown_subcommand(app, slack):
    assert "/kpi digest list" in ack_blocks(command(app, slack, "digest frobnicate"))
