"""`kpibot demo`'s support conversation: the real Slack app (`create_app`) on the demo database,
Slack played by the double, driven by signed requests as Slack would send them — a customer
asks in a support channel, an agent answers and resolves it with ✅, the customer answers the
survey in the thread with two clicks — printed as a short transcript, ending with the answers
as `kpibot kpi` counts them.
"""

from __future__ import annotations

import html
import json
import re
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from bot.sandbox import signed_requests as slack
from bot.sandbox.slack_double import SlackDouble
from bot.settings import BotSettings
from kpi_engine.engine import KpiEngine
from kpi_engine.formatting import render_text
from kpi_engine.periods import parse_period
from kpi_engine.query import Filter, KpiQuery
from kpi_engine.storage.schema import tickets
from kpi_engine.vocabulary import Dimension

SECRET = "demo-signing-secret"
CHANNEL = "C0HELPDESK"
CUSTOMER, AGENT, BYSTANDER = "U0CORA", "U0ASHA", "U0BEN"


def slack_ts(moment: datetime) -> str:
    return f"{moment.timestamp():.6f}"


NAMES = {CUSTOMER: "Cora Jensen", AGENT: "Asha Rao", BYSTANDER: "Ben Okafor"}
_MENTION = re.compile(r"<@(\w+)>")
_CHANNEL_LINK = re.compile(r"<#\w+(?:\|[^>]*)?>")


def _shown(text: str) -> str:
    """mrkdwn as Slack shows it: @names for mentions, #helpdesk for the channel."""
    text = _MENTION.sub(lambda found: "@" + NAMES.get(found.group(1), found.group(1)), text)
    return html.unescape(_CHANNEL_LINK.sub("#helpdesk", text))


def _text_of(blocks: list[dict]) -> list[str]:
    """What a reader sees in a message: its lines of text and its buttons."""
    return [_shown(line) for line in _lines_of(blocks)]


def _lines_of(blocks: list[dict]) -> list[str]:
    lines = []
    for block in blocks:
        if block.get("type") == "section":
            lines.append(block["text"]["text"])
        elif block.get("type") == "actions":
            lines.append("  ".join(f"[{e['text']['text']}]" for e in block["elements"]))
        elif block.get("type") == "context":
            lines.append(" ".join(e["text"] for e in block["elements"]))
    return lines


def run_conversation_demo(settings: BotSettings, db: sa.Engine,
                          echo: Callable[[str], None]) -> None:
    from bot.app import create_app

    with SlackDouble(token="xoxb-demo") as double:
        double.add_user(CUSTOMER, real_name="Cora Jensen")
        double.add_user(AGENT, real_name="Asha Rao")
        double.add_user(BYSTANDER, real_name="Ben Okafor")
        app_settings = settings.model_copy(update={
            "slack_bot_token": "xoxb-demo", "slack_signing_secret": SECRET,
            "slack_api_url": double.api_url, "agents": AGENT, "answer_processes": 0,
            "survey_cooldown_days": 0, "digest_charts": False, "now": None})
        engine = KpiEngine(db, app_settings)
        app = create_app(app_settings, engine=engine)

        def send(payload) -> dict:
            body, headers = slack.signed(payload, SECRET)
            response = app.dispatch(slack.bolt_request(body, headers))
            return json.loads(response.body) if response.body else {}

        def event(payload: dict) -> None:
            send(slack.event_callback(payload))

        def ticket_row():
            with db.connect() as connection:
                return connection.execute(sa.select(tickets).where(
                    tickets.c.source == "slack", tickets.c.slack_channel == CHANNEL,
                    tickets.c.slack_thread_ts == opened)).first()

        def wait(condition) -> None:
            deadline = time.monotonic() + 10
            while not condition() and time.monotonic() < deadline:
                time.sleep(0.01)

        now = datetime.now(timezone.utc)
        opened = slack_ts(now - timedelta(minutes=31))
        replied = slack_ts(now - timedelta(minutes=27))
        note = send(slack.slash_command("support-channel add team=billing", user=AGENT,
                                        channel=CHANNEL, response_url=double.response_url("d")))
        echo("Slack double: a support conversation in #helpdesk, through kpibot's real Slack app")
        echo(f"  /kpi support-channel add team=billing  → {_text_of(note['blocks'])[0]}")
        event(slack.message("Hi! I was charged twice for my November invoice.", user=CUSTOMER,
                            channel=CHANNEL, ts=opened, channel_type="channel"))
        wait(lambda: ticket_row() is not None)
        row = ticket_row()
        echo("  Cora Jensen: Hi! I was charged twice for my November invoice.")
        echo(f"    → ticket {row.id} opened: source slack, team {row.team}, tier {row.tier}, "
             f"status {row.status}")
        event(slack.message("Sorry about that, Cora — the second charge is refunded; you'll see "
                            "it in 3–5 days.", user=AGENT, channel=CHANNEL, ts=replied,
                            thread_ts=opened, channel_type="channel", parent_user_id=CUSTOMER))
        wait(lambda: ticket_row().agent_replies == 1)
        row = ticket_row()
        minutes = (row.first_response_at - row.created_at).total_seconds() / 60
        echo("    Asha Rao (in the thread): Sorry about that, Cora — the second charge is "
             "refunded; you'll see it in 3–5 days.")
        echo(f"    → first response after {minutes:.0f} min; agent {row.agent}")
        event(slack.reaction_added(user=AGENT, reaction="white_check_mark", channel=CHANNEL,
                                   item_ts=opened, event_ts=slack_ts(now - timedelta(minutes=25))))
        survey = double.wait_for("chat.postMessage",
                                 lambda call: call.params.get("thread_ts") == opened)
        echo(f"    Asha Rao reacts :white_check_mark: → ticket {ticket_row().status}; kpibot "
             "asks in the thread:")
        for line in _text_of(survey.params["blocks"]):
            echo(f"      {line}")
        survey_ts = survey.response["ts"]

        def click(user: str, action_id: str, score: int, blocks: list[dict]) -> None:
            value = next(e["value"] for b in blocks if b.get("type") == "actions"
                         for e in b["elements"] if json.loads(e["value"]).get("s") == score)
            send(slack.block_actions(user=user, channel=CHANNEL, message_ts=survey_ts,
                                     thread_ts=opened, action_id=action_id, value=value,
                                     response_url=double.response_url(user)))

        click(BYSTANDER, "kpi_survey_csat", 1, survey.params["blocks"])
        refused = double.wait_for("response_url")
        echo(f"    Ben Okafor clicks [1] → told privately: {_shown(refused.params['text'])}")
        click(CUSTOMER, "kpi_survey_csat", 5, survey.params["blocks"])
        ces = double.wait_for("chat.update")
        echo("    Cora Jensen clicks [5] → CSAT 5 stored, then the same message asks:")
        for line in _text_of(ces.params["blocks"]):
            echo(f"      {line}")
        click(CUSTOMER, "kpi_survey_ces", 6, ces.params["blocks"])
        thanks = double.wait_for("chat.update", count=2)
        echo(f"    Cora Jensen clicks [6] → CES 6 stored: {_text_of(thanks.params['blocks'])[0]}")
        app.listener_runner.listener_executor.shutdown(wait=True)

    today = parse_period("today", now=engine.now(), tz=app_settings.zone)
    mine = (Filter(dimension=Dimension.CUSTOMER, values=(CUSTOMER,)),)
    echo("")
    echo(f"$ kpibot kpi csat --period today --where customer={CUSTOMER}")
    echo(render_text(engine.run(KpiQuery(metric="csat", period=today, filters=mine))))
