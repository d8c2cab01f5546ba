"""Breakdowns in Slack as a native table block, through the real Bolt app and engine against
the Slack double: a breakdown by agent is a `table` block (numbers right-aligned, `n`), and
one of 200 agents shows its first 99 rows with the full table uploaded as CSV in the thread.
Each posted message passes slack_sdk's models and Slack's documented limits."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

from bot.blocks import SlackMessage, ids
from bot.sandbox import signed_requests as slack_requests
from tests.bot.blocks.slack_limits import alignment_of, assert_valid_message, table_of
from tests.bot.conftest import CHANNEL, MEMBER, send
from tests.builders import add_tickets

SOLVED = datetime(2026, 11, 12, 15, tzinfo=timezone.utc)  # last week


def ask(app, slack, text: str, ts: str):
    send(app, slack_requests.event_callback(slack_requests.app_mention(
        text, user=MEMBER, channel=CHANNEL, ts=ts)))
    answer = slack.wait_for("chat.postMessage", lambda c: c.params.get("thread_ts") == ts)
    blocks = answer.params["blocks"]
    assert_valid_message(SlackMessage(text=answer.params["text"], blocks=tuple(blocks)))
    return answer, blocks


def test_a_breakdown_is_posted_as_a_table_block(app, slack):
    _, blocks = ask(app, slack, "FCR last week for tier 1 by agent", "950.1")
    # tier 1 last week by agent (conftest.py): Asha 2/2, Chen 1/1, Ben 0/1
    assert table_of(blocks, ids.ANSWER_TABLE) == [
        ["agent", "value", "n"], ["Asha Rao", "100.0%", "2"], ["Chen Wei", "100.0%", "1"],
        ["Ben Okafor", "0.0%", "1"]]
    assert alignment_of(blocks, ids.ANSWER_TABLE) == ["left", "right", "right"]


def test_two_hundred_agents_show_ninety_nine_rows_and_the_csv_is_attached(app, slack,
                                                                          tickets_db):
    add_tickets(tickets_db, *[
        {"id": f"a{i:03d}", "created_at": SOLVED.replace(hour=9), "solved_at": SOLVED,
         "status": "solved", "tier": 3, "agent": f"Agent {i:03d}"} for i in range(200)])
    answer, blocks = ask(app, slack, "resolved tickets last week for tier 3 by agent", "951.1")
    table = table_of(blocks, ids.ANSWER_TABLE)
    assert len(table) == 100 and table[0] == ["agent", "value", "n"]
    note = [b for b in blocks if b.get("block_id") == ids.ANSWER_CSV_NOTE]
    assert note[0]["elements"][0]["text"] == (
        "The table shows the first 99 of 200 rows; all 200 are in the attached CSV.")
    slack.wait_for("files.completeUploadExternal")
    [upload] = [u for u in slack.uploads.values() if u.filename.endswith(".csv")]
    rows = list(csv.reader(io.StringIO(upload.content.decode())))
    assert rows[0][:3] == ["agent", "value (count)", "n"] and len(rows) == 1 + 200
    assert upload.thread_ts == "951.1"
