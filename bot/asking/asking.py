"""Answering one question in Slack: the one domain call every asking surface makes.

The thread's previous question → `QuestionAnswerer.ask` → Block Kit (a why: bot/blocks/why.py,
without the agents for someone who may not see per-agent figures) → posted in the thread → the
thread's state saved, and the answer's message recorded with its question and reading for the
thumbs up and down under it (`kpi_engine.question.feedback`) → a chart (and the full table as
CSV; a why: its contributions, bot/charts_why.py) uploaded beside it.
A question kpibot cannot answer gets its suggestions; anything unexpected gets a short apology
with an id that is in the log with the traceback. Nothing here registers listeners.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from html import unescape

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.asking.access import AccessRefusal, Asker
from bot.blocks.answer import answer_message
from bot.blocks.message import SlackMessage
from bot.blocks.notices import access_refusal, apology_message
from bot.blocks.table import breakdown_csv, csv_filename
from bot.blocks.why import AGENTS_HIDDEN, why_message
from bot.doctor.scopes import refusal_sentence
from bot.errors import log_internal_error
from bot.services import AskingServices
from kpi_engine.errors import UserError
from kpi_engine.query import KpiResult
from kpi_engine.query.explanation import ChangeExplanation
from kpi_engine.question.answers import Answer
from kpi_engine.question.feedback import FeedbackStore
from kpi_engine.vocabulary import Dimension

logger = logging.getLogger("kpibot.slack")

# chat.postMessage errors that mean "not here", where a fallback reply can still reach the asker.
CANNOT_POST_HERE = frozenset({"not_in_channel", "channel_not_found", "is_archived",
                              "restricted_action", "cannot_reply_to_message"})
_MENTION = re.compile(r"<@[UW][A-Z0-9]+>")
_LINK = re.compile(r"<(?:[^|>]*\|)?([^>]*)>")


@dataclass(frozen=True, kw_only=True)
class Question:
    """A question asked in Slack, and where its answer goes."""

    text: str
    asker: Asker
    channel_id: str
    thread_ts: str | None  # the thread to answer in; None = the channel itself (a DM's main line)
    conversation: str | None  # the key of the thread's state; None = the answer's own thread
    quiet: bool = False  # an unaddressed reply in a channel thread: answer only a follow-up
    preface: str | None = None  # a line shown above the answer ("@ana asked …" for /kpi)
    # Where the answer goes, privately, when the bot cannot post in the channel (/kpi's URL).
    response_url: str | None = None


@dataclass(frozen=True)
class Posted:
    """What was posted: the answer message's ts, and the answer itself when there was one."""

    ts: str | None
    answer: Answer | None = None


@dataclass(frozen=True, kw_only=True)
class Attachments:
    """The files an answer still wants in its thread: a chart and/or the full table as CSV
    (a why: the chart of its contributions)."""

    question: Question
    result: KpiResult
    thread_ts: str
    chart: bool
    csv: bool
    explanation: ChangeExplanation | None = None


def question_text(slack_text: str) -> str:
    """The words of a Slack message: bot mentions removed, links to their text, entities decoded."""
    text = _MENTION.sub(" ", slack_text or "")
    text = _LINK.sub(lambda match: match.group(1), text)
    return " ".join(unescape(text).split())


def thread_conversation(workspace_id: str | None, channel_id: str, thread_ts: str) -> str:
    """The conversation key of a Slack thread (or of a DM's main line, with thread_ts 'main')."""
    return f"slack:{workspace_id or '-'}:{channel_id}:{thread_ts}"


def answer_question(services: AskingServices, client: WebClient, question: Question, *,
                    attach: bool = True) -> Posted | Attachments:
    """Answer `question` in its thread. Never raises: failures are told to the asker. With
    `attach` the chart and table files follow at once; without, an answer that wants them
    returns `Attachments` for `attach_files` to do later (after other people's answers)."""
    try:
        return _answer(services, client, question, attach=attach)
    except UserError as error:  # e.g. the database is unreachable: a configuration problem
        message = _refusal(error, question)
    except Exception:
        incident = log_internal_error(f"answering {question.text!r} in {question.channel_id}")
        message = apology_message(incident)
    try:
        return _post(client, question, message)
    except Exception:
        log_internal_error(
            f"telling {question.asker.user_id} in {question.channel_id} of a failure")
        return Posted(ts=None)


def _answer(services: AskingServices, client: WebClient, question: Question, *,
            attach: bool) -> Posted | Attachments:
    # Who may ask at all was decided before the request reached a listener
    # (bot/middleware/access.py); which figures they may see depends on the question.
    previous = (services.conversations.previous(question.conversation)
                if question.conversation else None)
    if question.quiet and previous is None:
        return Posted(ts=None)  # a thread kpibot has not answered in: not addressed to it
    answer = services.answerer.ask(question.text, previous, quiet=question.quiet)
    if answer.refusal is not None and question.quiet:
        return Posted(ts=None)  # people talking in the thread, not a follow-up
    if answer.result is not None:
        refusal = services.access.refusal_for_query(client, question.asker, answer.result.query)
        if refusal is not None:
            return _refuse(client, question, refusal)
    if answer.explanation is not None:
        if not services.access.sees_agents(client, question.asker):
            answer = replace(answer, explanation=answer.explanation.without(
                Dimension.AGENT, AGENTS_HIDDEN))
        message = why_message(answer.explanation)
    else:
        message = answer_message(answer)
    if answer.result is not None and question.conversation:
        # Saved before posting: a follow-up typed the moment the answer shows continues it.
        services.conversations.remember(question.conversation, answer.result.query)
    posted = _post(client, question, message)
    if answer.result is None or posted.ts is None:
        return replace(posted, answer=answer)
    _record_for_feedback(services, question, posted.ts, answer.result)
    if not question.conversation:  # the answer starts its own thread (/kpi)
        services.conversations.remember(
            thread_conversation(question.asker.workspace_id, question.channel_id, posted.ts),
            answer.result.query)
    wanted = Attachments(question=question, result=answer.result,
                         thread_ts=question.thread_ts or posted.ts,
                         chart=_wants_chart(services, answer.result, answer.explanation),
                         csv=message.attach_csv, explanation=answer.explanation)
    if not (wanted.chart or wanted.csv):
        return replace(posted, answer=answer)
    if not attach:
        return wanted
    attach_files(services, client, wanted)
    return replace(posted, answer=answer)


def _record_for_feedback(services: AskingServices, question: Question, ts: str,
                         result: KpiResult) -> None:
    """Keep the answer's message, question and reading, so a vote on it knows what it is about.
    A failure is logged only: the answer is posted, its votes will say "no longer kept"."""
    conversations = services.conversations
    try:
        FeedbackStore(conversations.db, conversations.clock).record_answer(
            question.channel_id, ts, question=question.text, query=result.query,
            asked_by=question.asker.user_id)
    except Exception:
        log_internal_error(f"recording the answer {ts} in {question.channel_id} for feedback")


def _refuse(client: WebClient, question: Question, refusal: AccessRefusal) -> Posted:
    return _post(client, question, access_refusal(refusal))


def _refusal(error: UserError, question: Question) -> SlackMessage:
    return answer_message(Answer(question=question.text, refusal=error))


def _post(client: WebClient, question: Question, message: SlackMessage) -> Posted:
    blocks = list(message.blocks)
    if question.preface:
        blocks.insert(0, {"type": "context",
                          "elements": [{"type": "mrkdwn", "text": question.preface}]})
    try:
        response = client.chat_postMessage(
            channel=question.channel_id, thread_ts=question.thread_ts, text=message.text,
            blocks=blocks, unfurl_links=False, unfurl_media=False,
        )
    except SlackApiError as error:
        if question.response_url is None or error.response.get("error") not in CANNOT_POST_HERE:
            raise
        reply = WebhookClient(question.response_url).send(
            text=message.text, blocks=blocks, response_type="ephemeral")
        if reply.status_code != 200:
            raise RuntimeError(f"the response URL answered {reply.status_code}") from error
        return Posted(ts=None)
    return Posted(ts=response.get("ts"))


def _wants_chart(services: AskingServices, result: KpiResult,
                 explanation: ChangeExplanation | None = None) -> bool:
    if not services.charts:
        return False
    if explanation is not None:
        from bot.charts_why import wants_why_chart

        return wants_why_chart(explanation)
    from bot.charts import wants_chart

    return wants_chart(result)


def attach_files(services: AskingServices, client: WebClient, wanted: Attachments) -> None:
    """Upload the chart and, for a table cut to fit, the full table as CSV. A failure is
    logged only: the answer itself is already in the thread."""
    result, question = wanted.result, wanted.question
    uploads = []
    try:
        if wanted.chart and wanted.explanation is not None:
            from bot.charts_why import (
                why_chart_alt_text,
                why_chart_filename,
                why_chart_png,
                why_chart_title,
            )

            explanation = wanted.explanation
            uploads.append({"content": why_chart_png(explanation),
                            "filename": why_chart_filename(explanation),
                            "title": why_chart_title(explanation),
                            "alt_txt": why_chart_alt_text(explanation)})
        elif wanted.chart:
            from bot.charts import chart_alt_text, chart_filename, chart_png

            uploads.append({"content": chart_png(result), "filename": chart_filename(result),
                            "title": result.metric.label, "alt_txt": chart_alt_text(result)})
        if wanted.csv:
            uploads.append({"content": breakdown_csv(result).encode(),
                            "filename": csv_filename(result),
                            "title": f"{result.metric.label}: full table"})
        if uploads:
            client.files_upload_v2(channel=question.channel_id, thread_ts=wanted.thread_ts,
                                   file_uploads=uploads)
    except SlackApiError as error:
        logger.warning("could not upload the chart or table: %s",
                       refusal_sentence(error.response))
    except Exception:
        log_internal_error(f"drawing or uploading the chart for {question.text!r}")
